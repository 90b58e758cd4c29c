import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { LlmLayer, Meter, TestLlmServer } from '@synapse-ai/llm';
import { definePolicy, MemoryStore, proceed, SaiError, silentLogger } from '@synapse-ai/sdk';
import { buildRegistry, createApp } from '../app';
import { AuditLog, readAuditHead, verifyAuditChain } from '../audit';
import { loadConfig } from '../config';
import { LlmMetrics, llmHooksFor } from '../llmHooks';
import { createLogger } from '../logger';
import { SidecarMetrics } from '../metrics';
import { startSidecar } from '../server';

const ask = definePolicy({
  meta: { name: 'ask', version: '1.0.0', description: 'asks the model', flows: ['request'], stage: 'ai', priority: 1 },
  input: { type: 'object', required: ['q'], properties: { q: { type: 'string' } } },
  async handler(message, ctx) {
    const r = await ctx.llm.complete({ messages: [{ role: 'user', content: message.payload.value.q }], maxTokens: 20 });
    if (!r.ok) throw new SaiError('SAI_ERR_UNAVAILABLE', { message: 'The model is unavailable.' });
    return proceed({ json: { answer: r.content } });
  },
});

const plain = definePolicy({
  meta: { name: 'plain', version: '1.0.0', description: 'no model', flows: ['request'], stage: 'ai', priority: 2 },
  handler: () => proceed({ modified: false }),
});

const server = new TestLlmServer();
let baseURL = '';
beforeAll(async () => {
  baseURL = `${await server.start()}/v1`;
});
afterAll(() => server.stop());
beforeEach(() => server.reset());

function sidecar(quotas: object[] = [], auditPrompts: 'hash' | 'redacted' = 'hash') {
  const config = loadConfig({ env: {} });
  const store = new MemoryStore(undefined, 0);
  const metrics = new SidecarMetrics();
  const auditFile = join(mkdtempSync(join(tmpdir(), 'sai-llm-')), 'audit.log');
  const audit = new AuditLog({ file: auditFile, flushMs: 10 });
  const layer = new LlmLayer({
    providers: [{ name: 'local', type: 'compatible', baseURL }],
    chain: [{ provider: 'local', model: 'test-model' }],
    timeoutMs: 2000,
    maxRetries: 0,
  });
  const llmServices = {
    layer,
    meter: new Meter(store, { quotas: quotas as never, prices: { 'test-model': { prompt: 0.5, completion: 1.5 } } }),
    metrics: new LlmMetrics(metrics.registry),
    audit,
    auditPrompts,
  };
  const app = createApp({
    config,
    registry: buildRegistry([ask, plain], config),
    logger: createLogger({ level: 'error' }),
    store,
    metrics,
    llmServices,
    audit,
  }).app;
  return { app, audit, auditFile };
}

const call = (app: ReturnType<typeof sidecar>['app'], q: string, tenant = 'acme', app_ = 'app-1') =>
  request(app)
    .post('/v1/policies/ask')
    .set({ 'Content-Type': 'application/json', 'X-Tenant-ID': tenant, 'X-Consumer-Key': app_, 'X-Api-Name': 'Support' })
    .send(JSON.stringify({ q }));

describe('the LLM layer in the sidecar', () => {
  it('meters tokens and cost per tenant, exposes them in /v1/usage and /metrics, and audits without the prompt', async () => {
    const { app, audit, auditFile } = sidecar();
    server.fallback = { kind: 'reply', content: 'hello!', usage: { prompt_tokens: 100, completion_tokens: 40 } };
    expect((await call(app, 'my secret question about ada@example.com')).body).toEqual({ answer: 'hello!' });
    await call(app, 'again');
    const usage = await request(app).get('/v1/usage?tenant=acme');
    expect(usage.body).toMatchObject({
      tenant: 'acme',
      calls: 2,
      promptTokens: 200,
      completionTokens: 80,
      totalTokens: 280,
      costUsd: 0.22,
    });
    const byApp = await request(app).get('/v1/usage?tenant=acme&groupBy=application,api,model');
    expect(byApp.body).toMatchObject({
      tenant: 'acme',
      groupBy: ['application', 'api', 'model'],
      rows: [{ application: 'app-1', api: 'Support', model: 'test-model', calls: 2, totalTokens: 280, costUsd: 0.22 }],
    });
    expect((await request(app).get('/v1/usage?tenant=acme&groupBy=plan')).status).toBe(400);
    expect((await request(app).get('/v1/usage?tenant=acme&from=2026-12-05&to=2026-12-01')).status).toBe(400);
    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toMatch(
      /sai_llm_tokens_total\{tenant="acme",application="app-1",api="Support",model="test-model",kind="prompt"\} 200/,
    );
    expect(metrics.text).toMatch(
      /sai_llm_cost_usd_total\{tenant="acme",application="app-1",api="Support",model="test-model"\} 0\.22/,
    );
    audit.close();
    const log = readFileSync(auditFile, 'utf8');
    expect(log).toMatch(/"kind":"llm-call"/);
    expect(log).toMatch(/"promptSha256":"[0-9a-f]{64}"/);
    expect(log).not.toMatch(/secret question|ada@example\.com/);
    expect(verifyAuditChain([auditFile], { head: readAuditHead(auditFile) }).ok).toBe(true);
    expect((await request(app).get('/v1/usage')).status).toBe(400);
    for (const day of ['2026-13-99', '2026-02-30', '2026-1-1']) {
      expect((await request(app).get(`/v1/usage?tenant=acme&day=${day}`)).status).toBe(400);
    }
    expect((await request(app).get('/v1/usage?tenant=acme&day=2026-02-28')).status).toBe(200);
  });

  it('enforces token budgets before the call with a 429 that names the budget and its reset', async () => {
    const { app } = sidecar([{ scope: 'tenant', match: 'dev', tokens: 100, window: 'day' }]);
    server.fallback = { kind: 'reply', content: 'x', usage: { prompt_tokens: 30, completion_tokens: 10 } };
    expect((await call(app, 'q', 'dev')).status).toBe(200);
    expect((await call(app, 'q', 'dev')).status).toBe(200);
    const refused = await call(app, 'q', 'dev');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'SAI_ERR_RATE_LIMITED', budget: 'tenant dev: 100 tokens per day' });
    expect(refused.body.detail).toMatch(/budget is used up; it resets at \d{4}-\d{2}-\d{2}T00:00:00\.000Z/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // another tenant is not affected
    expect((await call(app, 'q', 'prod')).status).toBe(200);
  });

  it('does not overspend under 50 parallel calls', async () => {
    const { app } = sidecar([{ scope: 'application', match: '*', requests: 10, window: 'minute' }]);
    server.fallback = { kind: 'reply', content: 'x', delayMs: 20 };
    const results = await Promise.all(Array.from({ length: 50 }, () => call(app, 'q', 'acme', 'burst-app')));
    expect(results.filter((r) => r.status === 200)).toHaveLength(10);
    expect(results.filter((r) => r.status === 429)).toHaveLength(40);
    expect(server.requests).toHaveLength(10);
  });

  it('can keep the redacted prompt in the audit instead of only its hash', async () => {
    const { app, audit, auditFile } = sidecar([], 'redacted');
    await call(app, 'reset the password of ada@example.com');
    audit.close();
    const log = readFileSync(auditFile, 'utf8');
    expect(log).toMatch(/"promptRedacted":\[\{"role":"user","content":"reset the password of <EMAIL>"\}\]/);
    expect(log).not.toMatch(/ada@example\.com/);
  });

  it('counts every call through the sidecar against request budgets, not only model calls, and each once', async () => {
    const { app } = sidecar([{ scope: 'application', match: '*', requests: 3, window: 'minute' }]);
    const plainCall = () =>
      request(app)
        .post('/v1/policies/plain')
        .set({ 'Content-Type': 'application/json', 'X-Consumer-Key': 'app-9' })
        .send('{}');
    expect((await plainCall()).status).toBe(200);
    expect((await plainCall()).status).toBe(200);
    // a call with a model step counts once (its model call counts tokens only)
    expect((await call(app, 'q', 'acme', 'app-9')).status).toBe(200);
    const refused = await plainCall();
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ budget: 'application app-9: 3 requests per minute' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(server.requests).toHaveLength(1);
  });

  it('shadow quotas only report', async () => {
    const { app, audit, auditFile } = sidecar([
      { scope: 'tenant', match: '*', requests: 1, window: 'hour', shadow: true },
    ]);
    expect((await call(app, 'a', 't1')).status).toBe(200);
    expect((await call(app, 'b', 't1')).status).toBe(200);
    audit.close();
    expect(readFileSync(auditFile, 'utf8')).toMatch(/"quotaShadow":"tenant t1: 1 requests per hour"/);
  });

  it('answers 503 with a clear problem when no provider is configured', async () => {
    const config = loadConfig({ env: {} });
    const { app } = createApp({
      config,
      registry: buildRegistry([ask], config),
      logger: silentLogger,
      store: new MemoryStore(undefined, 0),
    });
    const res = await request(app).post('/v1/policies/ask').set('Content-Type', 'application/json').send('{"q":"hi"}');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'SAI_ERR_LLM_NOT_CONFIGURED' });
    expect(res.body.detail).toMatch(/Add an "llm" section/);
    expect((await request(app).get('/v1/usage?tenant=x')).status).toBe(503);
  });

  it('validates the llm configuration at start-up', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sai-llm-cfg-')), 'c.yaml');
    writeFileSync(
      file,
      'llm:\n  providers:\n    - { name: local, type: grok }\n  chain: []\n  quotas:\n    - { scope: tenant, match: dev, window: week }\n',
    );
    let problems: string[] = [];
    try {
      loadConfig({ env: {}, file });
    } catch (err) {
      problems = (err as { problems: string[] }).problems;
    }
    expect(problems).toEqual([
      'llm.providers[0].type must be one of "openai", "azure", "compatible" (got "grok"). Fix: give providers (name, type, baseURL or endpoint, apiKeyEnv or apiKeyFile) and a chain of { provider, model }.',
      'llm.chain must NOT have fewer than 1 items (got []). Fix: give providers (name, type, baseURL or endpoint, apiKeyEnv or apiKeyFile) and a chain of { provider, model }.',
      'llm.quotas[0].window must be one of "minute", "hour", "day", "month" (got "week"). Fix: write a rule as { scope: tenant|application, match: <name>|"*", tier?, api?, requests|tokens|promptTokens|completionTokens|costUsd, window: minute|hour|day|month } or { scope, match, use: <tier> }.',
    ]);
  });
});

describe('a sidecar started with a provider configured', () => {
  it('meters, limits, audits and fails over, from its configuration file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sai-llm-start-'));
    const file = join(dir, 'sidecar.yaml');
    const auditFile = join(dir, 'audit.log');
    writeFileSync(
      file,
      [
        'llm:',
        '  providers:',
        '    - { name: down, type: compatible, baseURL: "http://127.0.0.1:9/v1" }',
        `    - { name: local, type: compatible, baseURL: "${baseURL}" }`,
        '  chain: [{ provider: down, model: primary }, { provider: local, model: backup }]',
        '  maxRetries: 0',
        '  prices: { backup: { prompt: 1, completion: 1 } }',
        '  quotas: [{ scope: tenant, match: "*", requests: 2, window: minute }]',
        'audit:',
        `  file: ${JSON.stringify(auditFile)}`,
      ].join('\n'),
    );
    const running = await startSidecar({
      config: loadConfig({ file, env: { SAI_PORT: '0' } }),
      policies: [ask],
      logger: silentLogger,
    });
    try {
      server.fallback = { kind: 'reply', content: 'from backup', usage: { prompt_tokens: 3, completion_tokens: 2 } };
      const post = () =>
        fetch(`${running.url}/v1/policies/ask`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Tenant-ID': 'acme' },
          body: '{"q":"hi"}',
        });
      const first = await post();
      expect(await first.json()).toEqual({ answer: 'from backup' });
      await post();
      expect((await post()).status).toBe(429);
      const usage = (await (await fetch(`${running.url}/v1/usage?tenant=acme`)).json()) as {
        calls: number;
        totalTokens: number;
        costUsd: number;
      };
      expect(usage).toMatchObject({ calls: 2, totalTokens: 10, costUsd: 0.01 });
    } finally {
      await running.close();
    }
    const log = readFileSync(auditFile, 'utf8');
    expect(log).toMatch(/"kind":"llm-call".*"provider":"local"/);
    expect(verifyAuditChain([auditFile], { head: readAuditHead(auditFile) }).ok).toBe(true);
  });

  it('lets a model call that outlives its response write its record before shutdown closes the log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sai-llm-stop-'));
    const file = join(dir, 'sidecar.yaml');
    const auditFile = join(dir, 'audit.log');
    writeFileSync(
      file,
      [
        'server: { requestTimeoutMs: 200 }',
        'llm:',
        `  providers: [{ name: local, type: compatible, baseURL: "${baseURL}" }]`,
        '  chain: [{ provider: local, model: slow }]',
        '  maxRetries: 0',
        'audit:',
        `  file: ${JSON.stringify(auditFile)}`,
      ].join('\n'),
    );
    const running = await startSidecar({
      config: loadConfig({ file, env: { SAI_PORT: '0' } }),
      policies: [ask], // ask ignores ctx.signal: its model call runs on past the request deadline
      logger: silentLogger,
    });
    server.fallback = { kind: 'reply', content: 'late', delayMs: 600 };
    const res = await fetch(`${running.url}/v1/policies/ask`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"q":"hi"}',
    });
    expect(res.status).toBe(504);
    await running.close(); // while the model call is still running
    const records = readFileSync(auditFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => r.kind ?? r.policy)).toEqual(['ask', 'llm-call']);
    expect(verifyAuditChain([auditFile], { head: readAuditHead(auditFile) }).ok).toBe(true);
  });
});

describe('when the store fails', () => {
  it('gives the policy a typed result instead of a rejection', async () => {
    const broken = new MemoryStore(undefined, 0);
    broken.incr = () => Promise.reject(new Error('store down'));
    const layer = new LlmLayer({
      providers: [{ name: 'local', type: 'compatible', baseURL }],
      chain: [{ provider: 'local', model: 'm' }],
    });
    const hooks = llmHooksFor(
      {
        layer,
        meter: new Meter(broken, { quotas: [{ scope: 'tenant', match: '*', requests: 5, window: 'minute' }] }),
        metrics: new LlmMetrics(new SidecarMetrics().registry),
      },
      { correlationId: 'c', tenantId: 't', flow: 'request' },
      () => 'ask',
    );
    expect(await hooks.complete({ messages: [{ role: 'user', content: 'hi' }] })).toEqual({
      ok: false,
      code: 'store_unavailable',
      reason: 'quotas cannot be checked while the store is unavailable',
    });
  });
});

describe('failover within the request deadline', () => {
  const backup = new TestLlmServer();
  let backupURL = '';
  beforeAll(async () => {
    backupURL = `${await backup.start()}/v1`;
  });
  afterAll(() => backup.stop());

  it("moves to the next provider at once when a 429's Retry-After outlasts the request", async () => {
    const askInTime = definePolicy({
      meta: { ...ask.meta, name: 'ask-in-time' },
      input: { type: 'object', required: ['q'], properties: { q: { type: 'string' } } },
      async handler(message, ctx) {
        const r = await ctx.llm.complete(
          { messages: [{ role: 'user', content: message.payload.value.q }] },
          ctx.signal,
        );
        if (!r.ok) throw new SaiError('SAI_ERR_UNAVAILABLE', { message: `The model is unavailable (${r.code}).` });
        return proceed({ json: { answer: r.content, provider: r.provider } });
      },
    });
    const config = loadConfig({ env: { SAI_REQUEST_TIMEOUT_MS: '3000' } });
    const store = new MemoryStore(undefined, 0);
    const metrics = new SidecarMetrics();
    const layer = new LlmLayer({
      providers: [
        { name: 'primary', type: 'compatible', baseURL },
        { name: 'backup', type: 'compatible', baseURL: backupURL },
      ],
      chain: [
        { provider: 'primary', model: 'big' },
        { provider: 'backup', model: 'small' },
      ],
      timeoutMs: 10_000,
      maxRetries: 3,
      maxRetryWaitMs: 600_000, // only the request's deadline bounds the wait here
    });
    const app = createApp({
      config,
      registry: buildRegistry([askInTime], config),
      logger: createLogger({ level: 'error' }),
      store,
      metrics,
      llmServices: { layer, meter: new Meter(store, {}), metrics: new LlmMetrics(metrics.registry) },
    }).app;
    server.fallback = { kind: 'status', status: 429, retryAfter: 30 };
    backup.fallback = { kind: 'reply', content: 'from the backup' };
    const res = await request(app)
      .post('/v1/policies/ask-in-time')
      .set('Content-Type', 'application/json')
      .send('{"q":"hi"}');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ answer: 'from the backup', provider: 'backup' });
    expect(server.requests).toHaveLength(1); // no retry that would outlast the request
  });
});
