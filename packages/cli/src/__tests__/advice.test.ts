/**
 * `synapse-ai advice apply` against a local stand-in for API Manager that implements the documented
 * endpoints it uses: the OAuth2 token endpoint (client credentials, Basic authentication) and the
 * Developer Portal REST API v3 (applications and their OAuth keys, API search, subscriptions, and
 * PUT /subscriptions/{id}). The advice comes from the rate-advice policy itself.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rateAdvice } from '@synapse-ai/policies';
import { MemoryStore, mountPolicy, parsePayload, PolicyChain, serializePayload, silentLogger } from '@synapse-ai/sdk';
import { runCli } from './runCli';

const CLIENT = { id: 'sai-ops', secret: 'client-secret-0123456789' };
const TOKEN = 'tok-abcdef0123456789';
const tiers = ['Unlimited', 'gold', 'silver', 'bronze', 'basic'];
let subscriptions: Record<
  string,
  {
    subscriptionId: string;
    applicationId: string;
    apiId: string;
    throttlingPolicy: string;
    requestedThrottlingPolicy: string;
    status: string;
  }
>;
const puts: { id: string; body: Record<string, unknown> }[] = [];
let server: Server;
let apim = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://apim');
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (url.pathname === '/oauth2/token') {
        const basic = `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`;
        const form = new URLSearchParams(raw);
        if (req.headers.authorization !== basic)
          return send(401, { error: 'invalid_client', error_description: 'Client Authentication failed.' });
        if (form.get('grant_type') !== 'client_credentials' || !form.get('scope')?.includes('apim:subscribe'))
          return send(400, { error: 'invalid_request' });
        return send(200, { access_token: TOKEN, token_type: 'Bearer', expires_in: 3600, scope: form.get('scope') });
      }
      if (req.headers.authorization !== `Bearer ${TOKEN}`)
        return send(401, { code: 900901, message: 'Invalid Credentials', description: 'Access failure for API' });
      const path = url.pathname.replace(/^\/api\/am\/devportal\/v3/, '');
      if (req.method === 'GET' && path === '/applications')
        return send(200, {
          count: 2,
          list: [
            { applicationId: 'app-1', name: 'DefaultApplication' },
            { applicationId: 'app-2', name: 'PaymentsBot' },
          ],
        });
      const keys = /^\/applications\/([^/]+)\/oauth-keys$/.exec(path);
      if (req.method === 'GET' && keys)
        return send(200, {
          count: 1,
          list: [{ keyType: 'PRODUCTION', consumerKey: keys[1] === 'app-2' ? 'abc123' : 'other-key' }],
        });
      if (req.method === 'GET' && path === '/apis') {
        const q = url.searchParams.get('query') ?? '';
        const api = {
          id: 'api-9',
          name: 'Payments',
          context: '/payment/v1/process',
          version: 'v1',
          throttlingPolicies: tiers,
        };
        return send(200, { count: 1, list: q.includes('/payment/v1/process') || q.includes('Payments') ? [api] : [] });
      }
      if (req.method === 'GET' && path === '/subscriptions') {
        const list = Object.values(subscriptions).filter(
          (s) => s.applicationId === url.searchParams.get('applicationId') && s.apiId === url.searchParams.get('apiId'),
        );
        return send(200, { count: list.length, list });
      }
      const put = /^\/subscriptions\/([^/]+)$/.exec(path);
      if (req.method === 'PUT' && put && subscriptions[put[1]!]) {
        const body = JSON.parse(raw) as Record<string, unknown>;
        if (!tiers.includes(String(body.throttlingPolicy))) return send(400, { description: 'unknown tier' });
        puts.push({ id: put[1]!, body });
        subscriptions[put[1]!] = {
          ...subscriptions[put[1]!]!,
          throttlingPolicy: String(body.throttlingPolicy),
          requestedThrottlingPolicy: String(body.requestedThrottlingPolicy),
        };
        return send(200, subscriptions[put[1]!]);
      }
      return send(404, { description: `no ${req.method} ${path}` });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  apim = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  puts.length = 0;
  subscriptions = {
    'sub-1': {
      subscriptionId: 'sub-1',
      applicationId: 'app-2',
      apiId: 'api-9',
      throttlingPolicy: 'gold',
      requestedThrottlingPolicy: 'gold',
      status: 'UNBLOCKED',
    },
  };
});

const env = { SAI_APIM_CLIENT_ID: CLIENT.id, SAI_APIM_CLIENT_SECRET: CLIENT.secret };
const dir = mkdtempSync(join(tmpdir(), 'sai-advice-'));

/** rate-advice's answer to the analytics article's event, for a consumer the gateway has on gold. */
async function adviceFor(errorRate: number, userAgent: string, risky: boolean): Promise<string> {
  const chain = new PolicyChain('advice', [
    mountPolicy(rateAdvice, {
      tiers: tiers.map((name, i) => ({ name, requestsPerMin: [1000000, 45, 20, 10, 5][i]! })),
      ...(risky ? { addresses: { risky: ['203.0.113.0/24'] } } : {}),
    }),
  ]);
  const body = {
    api_context: { api_name: '/payment/v1/process', consumer_key: 'abc123' },
    current_request: { ip_address: '203.0.113.1', user_agent: userAgent, timestamp: '2024-05-15T14:30:00Z' },
    historical_metrics: { calls_last_hour: 1250, error_rate_last_hour: errorRate, avg_response_size: 1200 },
  };
  const out = await chain.execute(
    {
      payload: parsePayload(Buffer.from(JSON.stringify(body)), 'application/json'),
      contentType: 'application/json',
      headers: {},
      context: { correlationId: 'c', flow: 'request', tier: 'gold' },
    },
    { logger: silentLogger, store: new MemoryStore() },
  );
  return serializePayload(out.kind === 'continue' ? out.payload : (undefined as never)) as string;
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('synapse-ai advice apply', () => {
  it('plans by default and changes nothing; --execute changes the subscription tier', async () => {
    const advice = file('elevated.json', await adviceFor(0.45, 'python-requests/2.28.1', false));
    expect(JSON.parse(await adviceFor(0.45, 'python-requests/2.28.1', false))).toMatchObject({
      tier: 'silver',
      currentTier: 'gold',
      review: false,
    });
    const dry = await runCli(['advice', 'apply', '--advice', advice, '--apim', apim], '', env);
    expect(dry.code).toBe(0);
    expect(dry.out).toBe(
      'change       abc123 on /payment/v1/process: gold → silver (dry run: nothing changed)\nDry run: run again with --execute to change these subscriptions.\n',
    );
    expect(puts).toHaveLength(0);
    const run = await runCli(['advice', 'apply', '--advice', advice, '--apim', apim, '--execute'], '', env);
    expect(run.code).toBe(0);
    expect(puts).toEqual([
      {
        id: 'sub-1',
        body: expect.objectContaining({
          applicationId: 'app-2',
          apiId: 'api-9',
          throttlingPolicy: 'silver',
          requestedThrottlingPolicy: 'silver',
        }),
      },
    ]);
    expect(subscriptions['sub-1']!.throttlingPolicy).toBe('silver');
    // run again: nothing to do
    expect((await runCli(['advice', 'apply', '--advice', advice, '--apim', apim, '--execute'], '', env)).out).toMatch(
      /^unchanged {4}abc123 on \/payment\/v1\/process: already on silver/,
    );
  });

  it('leaves a major change to a human until the advice is approved', async () => {
    const text = await adviceFor(0.45, 'python-requests/2.28.1', true);
    expect(JSON.parse(text)).toMatchObject({ class: 'restricted', tier: 'basic', review: true });
    const advice = file('restricted.json', text);
    const held = await runCli(['advice', 'apply', '--advice', advice, '--apim', apim, '--execute'], '', env);
    expect(held.out).toMatch(/^needs-review abc123 on \/payment\/v1\/process: gold → basic is a major change/);
    expect(puts).toHaveLength(0);
    const approved = await runCli(
      ['advice', 'apply', '--advice', advice, '--apim', apim, '--execute', '--approved', '--format', 'json'],
      '',
      env,
    );
    expect(JSON.parse(approved.out).steps).toEqual([
      expect.objectContaining({ action: 'change', subscriptionId: 'sub-1', from: 'gold', detail: 'gold → basic' }),
    ]);
    expect(subscriptions['sub-1']!.throttlingPolicy).toBe('basic');
  });

  it('reports advice it cannot apply (exit 1), and refuses a client the token endpoint refuses (exit 2)', async () => {
    const lines = [
      JSON.stringify({ consumer: 'nobody', api: '/payment/v1/process', tier: 'silver' }),
      JSON.stringify({ consumer: 'abc123', api: '/payment/v1/process', tier: 'platinum' }),
    ].join('\n');
    const r = await runCli(['advice', 'apply', '--advice', '-', '--apim', apim], lines, env);
    expect(r.code).toBe(1);
    expect(r.out.split('\n').filter(Boolean)).toEqual([
      'failed       nobody on /payment/v1/process: no application visible to this client has the consumer key nobody',
      'failed       abc123 on /payment/v1/process: /payment/v1/process does not offer the tier platinum (it offers Unlimited, gold, silver, bronze, basic)',
    ]);
    const bad = await runCli(['advice', 'apply', '--advice', '-', '--apim', apim], lines, {
      ...env,
      SAI_APIM_CLIENT_SECRET: 'wrong',
    });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/the token endpoint refused the client \(401: Client Authentication failed\.\)/);
    const unset = await runCli(['advice', 'apply', '--advice', '-', '--apim', apim], lines, {});
    expect(unset.err).toMatch(/set SAI_APIM_CLIENT_ID and SAI_APIM_CLIENT_SECRET/);
  });
});
