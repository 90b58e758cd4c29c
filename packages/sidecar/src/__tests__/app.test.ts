import { PassThrough } from 'node:stream';
import request from 'supertest';
import { definePolicy, proceed } from '@synapse-ai/sdk';
import { builtinPolicies } from '@synapse-ai/policies';
import { makeApp, TOKEN } from './helpers';
import { createLogger, trustLogValue } from '../logger';

const json = 'application/json';

describe('policy route', () => {
  const { app, logs } = makeApp();

  it('echoes JSON with lossless numbers, correlation id, Server-Timing and decision', async () => {
    const body = '{"price":500.0,"id":12345678901234567890,"e":1.0E10}';
    const res = await request(app)
      .post('/v1/policies/echo')
      .set('Content-Type', json)
      .set('X-Correlation-ID', 'corr-42')
      .send(body);
    expect(res.status).toBe(200);
    expect(res.text).toBe(body);
    expect(res.headers['x-correlation-id']).toBe('corr-42');
    expect(res.headers['x-policy-decision']).toBe('allow');
    expect(res.headers['server-timing']).toMatch(/^echo;dur=\d+\.\d{3}, total;dur=\d+\.\d{3}$/);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers.etag).toBeUndefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('generates a correlation id when the gateway sends none', async () => {
    const res = await request(app).post('/v1/policies/echo').set('Content-Type', 'text/plain').send('hi');
    expect(res.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('runs add-context with the gateway headers', async () => {
    const res = await request(app)
      .post('/v1/policies/add-context')
      .set('Content-Type', json)
      .set({ 'X-Correlation-ID': 'c9', 'X-Tenant-ID': 'acme', 'X-User-Role': 'dev', 'X-Flow': 'response' })
      .send('{"n":1.10}');
    expect(res.status).toBe(200);
    expect(res.text).toBe(
      '{"n":1.10,"gateway":{"correlationId":"c9","tenantId":"acme","userRole":"dev","flow":"response"}}',
    );
    expect(res.headers['x-policy-decision']).toBe('modified');
  });

  it('echoes XML byte for byte', async () => {
    const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<a xmlns:p="urn:p"><p:b x="1">t &amp; u</p:b></a>';
    const res = await request(app).post('/v1/policies/echo').set('Content-Type', 'application/xml').send(xml);
    expect(res.status).toBe(200);
    expect(res.text).toBe(xml);
  });

  it.each([
    ['plain name', '/v1/policies/echo', 200],
    ['trailing slash', '/v1/policies/echo/', 200],
    ['query string', '/v1/policies/echo?x=1&y=%2F', 200],
    ['percent-encoded name (the router decodes it)', '/v1/policies/%65cho', 200],
    ['unknown name', '/v1/policies/no-such', 404],
    ['extra segment', '/v1/policies/echo/extra', 404],
    ['no name (the catalogue route, GET only)', '/v1/policies/', 405],
    ['bad encoding', '/v1/policies/%E0%A4%A', 400],
  ])('routes a policy call with a %s as the router does', async (_n, path, status) => {
    const res = await request(app).post(path).set('Content-Type', json).send('{"a":1}');
    expect(res.status).toBe(status);
    if (status === 200) expect(res.text).toBe('{"a":1}');
    else expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  describe('errors are problem+json with code and requestId', () => {
    const cases: [string, () => request.Test, number, string, RegExp | undefined][] = [
      [
        'malformed JSON',
        () => request(app).post('/v1/policies/echo').set('Content-Type', json).send('{"a":\n 1,,}'),
        400,
        'SAI_ERR_MALFORMED_JSON',
        /line 2, column 4/,
      ],
      [
        'malformed XML',
        () => request(app).post('/v1/policies/echo').set('Content-Type', 'application/xml').send('<a><b></a>'),
        400,
        'SAI_ERR_MALFORMED_XML',
        /line 1, column/,
      ],
      [
        'XML with DOCTYPE',
        () =>
          request(app)
            .post('/v1/policies/echo')
            .set('Content-Type', 'application/xml')
            .send('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'),
        400,
        'SAI_ERR_MALFORMED_XML',
        /DOCTYPE/,
      ],
      [
        'invalid UTF-8',
        () =>
          request(app)
            .post('/v1/policies/echo')
            .set('Content-Type', 'text/plain')
            .send(Buffer.from([0xc3, 0x28])),
        400,
        'SAI_ERR_BAD_REQUEST',
        /UTF-8/,
      ],
      [
        'bad X-Flow',
        () => request(app).post('/v1/policies/echo').set('X-Flow', 'later').set('Content-Type', json).send('{}'),
        400,
        'SAI_ERR_BAD_REQUEST',
        /X-Flow/,
      ],
      [
        'flow the policy does not run in',
        () => request(app).post('/v1/policies/add-context').set('X-Flow', 'fault').set('Content-Type', json).send('{}'),
        400,
        'SAI_ERR_FLOW_NOT_SUPPORTED',
        undefined,
      ],
      [
        'unsupported content type',
        () =>
          request(app).post('/v1/policies/echo').set('Content-Type', 'application/octet-stream').send(Buffer.from('x')),
        415,
        'SAI_ERR_UNSUPPORTED_MEDIA_TYPE',
        undefined,
      ],
      [
        'body without content type',
        () => request(app).post('/v1/policies/echo').send(Buffer.from('abc')),
        415,
        'SAI_ERR_UNSUPPORTED_MEDIA_TYPE',
        /no Content-Type/,
      ],
      [
        'policy refuses the kind',
        () => request(app).post('/v1/policies/add-context').set('Content-Type', 'text/plain').send('x'),
        415,
        'SAI_ERR_UNSUPPORTED_MEDIA_TYPE',
        undefined,
      ],
      [
        'input schema',
        () => request(app).post('/v1/policies/add-context').set('Content-Type', json).send('[1]'),
        422,
        'SAI_ERR_INPUT_INVALID',
        /body must be an object/,
      ],
      [
        'unknown policy',
        () => request(app).post('/v1/policies/nope').set('Content-Type', json).send('{}'),
        404,
        'SAI_ERR_POLICY_NOT_FOUND',
        /GET \/v1\/policies/,
      ],
      ['unknown route', () => request(app).get('/v2/things'), 404, 'SAI_ERR_NOT_FOUND', undefined],
      ['wrong method', () => request(app).get('/v1/policies/echo'), 405, 'SAI_ERR_METHOD_NOT_ALLOWED', undefined],
      [
        'bad URL encoding',
        () => request(app).post('/v1/policies/%E0%A4%A').set('Content-Type', json).send('{}'),
        400,
        'SAI_ERR_BAD_REQUEST',
        undefined,
      ],
    ];
    it.each(cases)('%s', async (_name, send, status, code, detail) => {
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.body).toMatchObject({ status, code, type: `urn:synapse-ai:error:${code}` });
      expect(res.body.requestId).toBe(res.headers['x-correlation-id']);
      if (detail) expect(res.body.detail).toMatch(detail);
    });

    it('sends line and column members for malformed JSON', async () => {
      const res = await request(app).post('/v1/policies/echo').set('Content-Type', json).send('{\n  "a": nope}');
      expect(res.body).toMatchObject({ line: 2, column: 8 });
    });
  });

  it('never writes bodies or tokens to the logs', async () => {
    await request(app)
      .post('/v1/policies/echo')
      .set('Content-Type', json)
      .set('Authorization', 'Bearer sekret-value')
      .send('{"ssn":"078-05-1120"');
    await request(app).post('/v1/policies/add-context').set('Content-Type', json).send('["card 4111111111111111"]');
    expect(logs()).toMatch(/SAI_ERR_MALFORMED_JSON/);
    expect(logs()).not.toMatch(/078-05-1120|4111111111111111|sekret-value/);
  });
});

describe('body limit', () => {
  const { app } = makeApp({ server: { bodyLimit: 1024, maxDepth: 64 } });

  it('answers 413 from Content-Length without reading the body', async () => {
    const res = await request(app).post('/v1/policies/echo').set('Content-Type', 'text/plain').send('x'.repeat(2048));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'SAI_ERR_PAYLOAD_TOO_LARGE', limit: 1024 });
  });

  it('answers 413 for a chunked body that grows past the limit', async () => {
    const req = request(app)
      .post('/v1/policies/echo')
      .set('Content-Type', 'text/plain')
      .set('Transfer-Encoding', 'chunked');
    req.write('y'.repeat(800));
    req.write('y'.repeat(800));
    const res = await req;
    expect(res.status).toBe(413);
  });

  it('accepts a body at the limit', async () => {
    const res = await request(app).post('/v1/policies/echo').set('Content-Type', 'text/plain').send('z'.repeat(1024));
    expect(res.status).toBe(200);
  });

  it('bounds JSON nesting by server.maxDepth', async () => {
    const res = await request(app)
      .post('/v1/policies/echo')
      .set('Content-Type', json)
      .send('['.repeat(100) + ']'.repeat(100));
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/nesting deeper than 64 levels/);
  });
});

describe('auth', () => {
  const { app } = makeApp({}, builtinPolicies, { SAI_AUTH_TOKENS: `other-token-000000000,${TOKEN}` });

  it.each([
    ['no header', undefined, /requires "Authorization: Bearer <token>"/],
    ['wrong token', 'Bearer wrong-token-000000000000', /not valid/],
    ['wrong scheme', `Basic ${TOKEN}`, /not valid/],
    ['empty bearer', 'Bearer ', /not valid/],
  ])('%s → 401', async (_n, header, detail) => {
    const req = request(app).post('/v1/policies/echo').set('Content-Type', json);
    if (header !== undefined) req.set('Authorization', header);
    const res = await req.send('{}');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="synapse-ai"');
    expect(res.body).toMatchObject({ code: 'SAI_ERR_UNAUTHORIZED' });
    expect(res.body.detail).toMatch(detail);
  });

  it('accepts any configured token, case-insensitive scheme', async () => {
    const res = await request(app)
      .post('/v1/policies/echo')
      .set('Authorization', `bearer ${TOKEN}`)
      .set('Content-Type', json)
      .send('{}');
    expect(res.status).toBe(200);
  });

  it('protects the catalogue and metrics, but not the probes', async () => {
    expect((await request(app).get('/v1/policies')).status).toBe(401);
    expect((await request(app).get('/metrics')).status).toBe(401);
    expect((await request(app).get('/healthz')).status).toBe(200);
    expect((await request(app).get('/readyz')).status).toBe(200);
    expect((await request(app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).status).toBe(200);
  });

  it('checks the token before reading or parsing the body', async () => {
    const res = await request(app).post('/v1/policies/echo').set('Content-Type', json).send('{broken');
    expect(res.status).toBe(401);
  });
});

describe('catalogue, health and metrics', () => {
  const slow = definePolicy({
    meta: { name: 'wait', version: '2.1.0', description: 'waits', flows: ['request'], stage: 'observe', priority: 1 },
    handler: () => proceed(),
  });
  const { app, drain } = makeApp({ pipelines: { 'echo-twice': [{ policy: 'echo' }, { policy: 'echo' }] } }, [
    ...builtinPolicies,
    slow,
  ]);

  it('lists policies with schemas, and pipelines with their steps', async () => {
    const res = await request(app).get('/v1/policies');
    expect(res.status).toBe(200);
    expect(res.body.policies.map((p: { name: string }) => p.name)).toEqual([
      ...builtinPolicies.map((p) => p.meta.name),
      'wait',
    ]);
    const addContext = res.body.policies[1];
    expect(addContext).toMatchObject({
      version: '1.0.0',
      route: '/v1/policies/add-context',
      flows: ['request', 'response'],
    });
    expect(addContext.schemas.options.properties.key).toMatchObject({ type: 'string', default: 'gateway' });
    expect(res.body.pipelines).toEqual([
      {
        name: 'echo-twice',
        route: '/v1/policies/echo-twice',
        flows: ['request', 'response', 'fault'],
        steps: [
          { policy: 'echo', version: '1.0.0' },
          { policy: 'echo', version: '1.0.0' },
        ],
      },
    ]);
  });

  it('serves a pipeline like a policy, with Server-Timing per step', async () => {
    const res = await request(app).post('/v1/policies/echo-twice').set('Content-Type', json).send('{"a":1.0}');
    expect(res.text).toBe('{"a":1.0}');
    expect(res.headers['server-timing']).toMatch(/^echo;dur=[\d.]+, echo;dur=[\d.]+, total;dur=[\d.]+$/);
  });

  it('exposes Prometheus counts and latency per policy and outcome', async () => {
    await request(app).post('/v1/policies/echo').set('Content-Type', json).send('{}');
    await request(app).post('/v1/policies/echo').set('Content-Type', json).send('{');
    await request(app).post('/v1/policies/unknown-thing').set('Content-Type', json).send('{}');
    const res = await request(app).get('/metrics');
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toMatch(/sai_policy_requests_total\{policy="echo",outcome="allow"\} [1-9]/);
    expect(res.text).toMatch(/sai_policy_requests_total\{policy="echo",outcome="client_error"\} 1/);
    expect(res.text).toMatch(/sai_policy_requests_total\{policy="_unknown",outcome="client_error"\} 1/);
    expect(res.text).toMatch(
      /sai_policy_request_duration_seconds_bucket\{le="0.005",policy="echo",outcome="allow"\} \d+/,
    );
    expect(res.text).toMatch(/sai_process_cpu_seconds_total/);
  });

  it('reports health, and readiness until draining', async () => {
    expect((await request(app).get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await request(app).get('/readyz')).body).toEqual({ status: 'ready', store: 'ok' });
    drain();
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('draining');
    expect(res.headers.connection).toBe('close');
  });
});

describe('failures inside policies', () => {
  const thrower = definePolicy({
    meta: {
      name: 'thrower',
      version: '1.0.0',
      description: 'throws',
      flows: ['request'],
      stage: 'observe',
      priority: 1,
    },
    handler: () => {
      throw new Error('db password is hunter2 at 10.1.2.3');
    },
  });
  const { app, logs } = makeApp({}, [thrower]);

  it('become SAI_ERR_INTERNAL without leaking internals, and are logged with the request id', async () => {
    const res = await request(app)
      .post('/v1/policies/thrower')
      .set('Content-Type', json)
      .set('X-Correlation-ID', 'boom-1')
      .send('{}');
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ code: 'SAI_ERR_INTERNAL', detail: 'Internal error', requestId: 'boom-1' });
    expect(res.text).not.toMatch(/hunter2|10\.1\.2\.3/);
    expect(logs()).toMatch(/"requestId":"boom-1"/);
  });
});

describe('the PII filter of the logs', () => {
  it('keeps the values the sidecar trusts (its own listen address) and still hides client addresses', async () => {
    const stream = new PassThrough();
    let out = '';
    stream.on('data', (c: Buffer) => (out += c.toString()));
    const logger = createLogger({ level: 'info', stream });
    trustLogValue('http://127.0.0.42:8088');
    logger.info('listening', { url: 'http://127.0.0.42:8088' });
    logger.info('call', { client: 'http://203.0.113.7:5000' });
    await new Promise((r) => setImmediate(r));
    expect(out).toContain('"url":"http://127.0.0.42:8088"');
    expect(out).not.toContain('203.0.113.7');
  });
});

describe('log levels', () => {
  it('drops a record below the level at the call (its fields are never redacted or formatted) and keeps child metadata', async () => {
    const stream = new PassThrough();
    let out = '';
    stream.on('data', (c: Buffer) => (out += c.toString()));
    const logger = createLogger({ level: 'info', stream });
    let read = 0;
    // a field that counts how often a format reads it: the PII format reads every string field
    const spy = {
      get note(): string {
        read++;
        return 'seen';
      },
    };
    const child = logger.child({ requestId: 'lvl-1' });
    child.debug('dropped', spy);
    logger.debug('dropped too', spy);
    expect(read).toBe(0);
    child.info('kept', { n: 1 });
    child.warn('warned');
    await new Promise((r) => setImmediate(r));
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.message, l.level, l.requestId])).toEqual([
      ['kept', 'info', 'lvl-1'],
      ['warned', 'warn', 'lvl-1'],
    ]);
    logger.level = 'debug';
    child.debug('now written');
    await new Promise((r) => setImmediate(r));
    expect(out).toContain('"message":"now written"');
  });
});
