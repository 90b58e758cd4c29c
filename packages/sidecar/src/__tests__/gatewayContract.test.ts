/**
 * The gateway contract (`X-Sai-Contract: gateway-1`, see `@synapse-ai/sdk` gateway.ts): gateway
 * callers get HTTP 200 with the real status in `X-Sai-Status`, allow without a body, changed bodies
 * in a form Axis2 builds (JSON as JSON, XML and text as one string); other callers are unaffected.
 * What a real Synapse engine does with these answers is proven in packages/cli's gatewayContract test.
 */
import request from 'supertest';
import { block, definePolicy, proceed } from '@synapse-ai/sdk';
import { builtinPolicies } from '@synapse-ai/policies';
import { makeApp, TOKEN } from './helpers';

const decide = definePolicy({
  meta: {
    name: 'decide',
    version: '1.0.0',
    description: 'test',
    flows: ['request', 'response', 'fault'],
    stage: 'guard',
    priority: 1,
  },
  handler(message) {
    const text =
      message.payload.kind === 'xml'
        ? message.payload.xml.text
        : message.payload.kind === 'text'
          ? message.payload.text
          : JSON.stringify(message.payload.kind === 'json' ? message.payload.value : null);
    if (text.includes('block')) return block('SAI_ERR_POLICY_BLOCKED', 'Not allowed.');
    if (text.includes('limit')) {
      return block('SAI_ERR_RATE_LIMITED', 'Slow down.', {
        extensions: { resetAt: new Date(Date.now() + 20_000).toISOString() },
      });
    }
    if (text.includes('change')) {
      if (message.payload.kind === 'xml') return proceed({ xml: text.replace('change', 'changed') });
      if (message.payload.kind === 'text') return proceed({ text: text.replace('change', 'changed') });
      return proceed({ json: { changed: true } });
    }
    if (text.includes('throw')) throw new Error('internal');
    return proceed();
  },
});

const GW = { 'X-Sai-Contract': 'gateway-1' };

describe('the gateway contract', () => {
  const { app } = makeApp({ auth: { tokens: [TOKEN] } }, [...builtinPolicies, decide]);
  const call = (body: string, type = 'application/json', headers: Record<string, string> = GW) =>
    request(app)
      .post('/v1/policies/decide')
      .set('Authorization', `Bearer ${TOKEN}`)
      .set('Content-Type', type)
      .set(headers)
      .send(body);

  it('allow: 200, no body, X-Sai-Body none (the gateway keeps its own bytes)', async () => {
    const res = await call('{"total":500.0}');
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(res.headers).toMatchObject({ 'x-sai-status': '200', 'x-sai-body': 'none', 'x-policy-decision': 'allow' });
  });

  it('modified JSON: the body as application/json, with the media type to set', async () => {
    const res = await call('{"change":1}');
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"changed":true}');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers).toMatchObject({
      'x-sai-status': '200',
      'x-sai-body': 'json',
      'x-sai-content-type': 'application/json',
    });
  });

  it.each([
    ['POX', 'application/xml', '<a>change</a>', 'xml', 'application/xml'],
    ['POX as text/xml', 'text/xml', '<a>change</a>', 'xml', 'text/xml'],
    [
      'SOAP 1.1',
      'text/xml',
      '<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m>change</m></s:Body></s:Envelope>',
      'soap',
      'text/xml',
    ],
    [
      'SOAP 1.2',
      'application/soap+xml',
      '<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope"><Body><m>change</m></Body></Envelope>',
      'soap',
      'application/soap+xml',
    ],
    ['text', 'text/plain', 'please change this', 'text', 'text/plain'],
  ])('modified %s (%s): one string as text/plain', async (_, type, body, kind, media) => {
    const res = await call(body, type);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; charset=utf-8/);
    expect(res.text).toBe(body.replace('change', 'changed'));
    expect(res.headers).toMatchObject({ 'x-sai-body': kind, 'x-sai-content-type': media });
  });

  it.each([
    ['a block', 403, '{"block":1}', 'SAI_ERR_POLICY_BLOCKED'],
    ['a rate limit', 429, '{"limit":1}', 'SAI_ERR_RATE_LIMITED'],
    ['a policy failure', 500, '{"throw":1}', 'SAI_ERR_INTERNAL'],
    ['malformed JSON', 400, '{"x":', 'SAI_ERR_MALFORMED_JSON'],
  ])('%s: 200 with X-Sai-Status %i and the problem as application/json', async (_, status, body, code) => {
    const res = await call(body);
    expect(res.status).toBe(200);
    expect(res.headers['x-sai-status']).toBe(String(status));
    expect(res.headers['x-sai-body']).toBe('json');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(res.text)).toMatchObject({ status, code });
    if (status === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('a bad token and an unknown route answer 200 with X-Sai-Status 401 / 404', async () => {
    const bad = await request(app)
      .post('/v1/policies/decide')
      .set('Authorization', 'Bearer wrong-token-000000000')
      .set(GW)
      .send('{}');
    expect([bad.status, bad.headers['x-sai-status']]).toEqual([200, '401']);
    const unknown = await request(app)
      .post('/v1/policies/nope')
      .set('Authorization', `Bearer ${TOKEN}`)
      .set(GW)
      .send('{}');
    expect([unknown.status, unknown.headers['x-sai-status']]).toEqual([200, '404']);
  });

  it('other callers keep the plain HTTP API: real statuses and application/problem+json', async () => {
    const res = await call('{"block":1}', 'application/json', {});
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['x-sai-status']).toBeUndefined();
    const allow = await call('{"total":500.0}', 'application/json', {});
    expect(allow.text).toBe('{"total":500.0}');
    expect(allow.headers['x-sai-body']).toBeUndefined();
  });

  it('a contract value it does not know is ignored (plain API)', async () => {
    const res = await call('{"block":1}', 'application/json', { 'X-Sai-Contract': 'gateway-99' });
    expect(res.status).toBe(403);
  });
});
