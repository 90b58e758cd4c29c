import { OpenAI } from 'openai';
import type { LlmResult } from '@synapse-ai/sdk';
import { CircuitBreaker, LlmConfigError, LlmLayer, TestLlmServer } from '..';

const server = new TestLlmServer();
const backup = new TestLlmServer();
let url = '';
let backupUrl = '';
beforeAll(async () => {
  url = await server.start();
  backupUrl = await backup.start();
});
afterAll(async () => {
  await server.stop();
  await backup.stop();
});
beforeEach(() => {
  server.reset();
  backup.reset();
});

process.env.SAI_TEST_LLM_KEY = 'sk-test-0123456789';

const layer = (over: Partial<ConstructorParameters<typeof LlmLayer>[0]> = {}) =>
  new LlmLayer({
    providers: [
      { name: 'primary', type: 'compatible', baseURL: `${url}/v1`, apiKeyEnv: 'SAI_TEST_LLM_KEY' },
      { name: 'secondary', type: 'compatible', baseURL: `${backupUrl}/v1` },
    ],
    chain: [
      { provider: 'primary', model: 'big-model' },
      { provider: 'secondary', model: 'small-model' },
    ],
    timeoutMs: 3000,
    maxRetries: 1,
    breaker: { failures: 2, openMs: 1000 },
    ...over,
  });

const ask = { messages: [{ role: 'user' as const, content: 'hello' }] };

describe('LlmLayer with the real openai client against a local server', () => {
  it('answers through the primary, with usage, sending the key from the environment', async () => {
    server.enqueue({ kind: 'reply', content: 'hi there', usage: { prompt_tokens: 12, completion_tokens: 3 } });
    const r = await layer().complete(ask);
    expect(r).toEqual({
      ok: true,
      content: 'hi there',
      model: 'big-model',
      provider: 'primary',
      usage: { promptTokens: 12, completionTokens: 3 },
      spent: [{ provider: 'primary', model: 'big-model', promptTokens: 12, completionTokens: 3 }],
    });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-test-0123456789');
    expect(server.requests[0]!.body).toMatchObject({
      model: 'big-model',
      messages: [{ role: 'user', content: 'hello' }],
    });
  });

  it('falls back to the secondary on timeout', async () => {
    server.fallback = { kind: 'hang' };
    backup.enqueue({ kind: 'reply', content: 'from backup' });
    const r = await layer({ timeoutMs: 300, maxRetries: 0 }).complete(ask);
    expect(r).toMatchObject({ ok: true, content: 'from backup', model: 'small-model' });
  });

  it('retries a 5xx, then a 429 with retry-after, and succeeds', async () => {
    server.enqueue({ kind: 'status', status: 503 }, { kind: 'reply', content: 'second try' });
    expect(await layer().complete(ask)).toMatchObject({ ok: true, content: 'second try' });
    server.enqueue({ kind: 'status', status: 429, retryAfter: 0 }, { kind: 'reply', content: 'after the limit' });
    expect(await layer().complete(ask)).toMatchObject({ ok: true, content: 'after the limit' });
  });

  it('does not retry a 400, and reports every target when all fail', async () => {
    server.enqueue({ kind: 'status', status: 400, message: 'bad request' });
    backup.enqueue({ kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    const r = await layer().complete(ask);
    expect(r).toEqual({
      ok: false,
      code: 'provider_error',
      reason:
        'primary/big-model: the provider refused the call (HTTP 400); secondary/small-model: the provider failed (HTTP 500)',
      spent: [],
    });
    expect(server.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(2);
  });

  it('falls back when a provider is down (connection refused)', async () => {
    const l = new LlmLayer({
      providers: [
        { name: 'down', type: 'compatible', baseURL: 'http://127.0.0.1:9/v1' },
        { name: 'secondary', type: 'compatible', baseURL: `${backupUrl}/v1` },
      ],
      chain: [
        { provider: 'down', model: 'm' },
        { provider: 'secondary', model: 'small-model' },
      ],
      maxRetries: 0,
    });
    backup.enqueue({ kind: 'reply', content: 'still answering' });
    expect(await l.complete(ask)).toMatchObject({ ok: true, content: 'still answering', provider: 'secondary' });
  });

  it("reaches Azure OpenAI through the package's Azure client", async () => {
    process.env.SAI_TEST_AZURE_KEY = 'azure-key-0123456789';
    const l = new LlmLayer({
      providers: [
        { name: 'azure', type: 'azure', endpoint: url, apiVersion: '2024-10-21', apiKeyEnv: 'SAI_TEST_AZURE_KEY' },
      ],
      chain: [{ provider: 'azure', model: 'gpt-4o-deployment' }],
    });
    server.enqueue({ kind: 'reply', content: 'from azure' });
    expect(await l.complete(ask)).toMatchObject({ ok: true, content: 'from azure', provider: 'azure' });
    expect(server.requests[0]!.path).toBe(
      '/openai/deployments/gpt-4o-deployment/chat/completions?api-version=2024-10-21',
    );
    expect(server.requests[0]!.headers['api-key']).toBe('azure-key-0123456789');
  });

  it('treats malformed JSON from the provider as a failure and falls back', async () => {
    server.fallback = { kind: 'garbage' };
    backup.enqueue({ kind: 'reply', content: 'clean' });
    expect(await layer().complete(ask)).toMatchObject({ ok: true, content: 'clean' });
  });

  describe('structured output', () => {
    const schema = {
      type: 'object',
      required: ['intent'],
      properties: { intent: { enum: ['buy', 'ask'] } },
      additionalProperties: false,
    };

    it('validates the answer with the schema', async () => {
      server.enqueue({ kind: 'reply', content: '{"intent":"buy"}' });
      expect(await layer().complete({ ...ask, schema })).toMatchObject({ ok: true, json: { intent: 'buy' } });
      expect(server.requests[0]!.body.response_format).toMatchObject({ type: 'json_schema' });
    });

    it('repairs once with the validation errors', async () => {
      server.enqueue(
        { kind: 'reply', content: 'sure! {"intent":"buy"}' },
        { kind: 'reply', content: '{"intent":"ask"}' },
      );
      const r = await layer().complete({ ...ask, schema });
      expect(r).toMatchObject({ ok: true, json: { intent: 'ask' }, usage: { promptTokens: 20, completionTokens: 10 } });
      const repair = server.requests[1]!.body.messages as { role: string; content: string }[];
      expect(repair.at(-1)!.content).toMatch(/does not match the required JSON Schema: the answer is not JSON/);
    });

    it('falls back when the answer breaks the schema twice', async () => {
      server.enqueue({ kind: 'reply', content: '{"intent":"sell"}' }, { kind: 'reply', content: '{"intent":"steal"}' });
      backup.enqueue({ kind: 'reply', content: '{"x":1}' }, { kind: 'reply', content: 'garbage' });
      const r = await layer().complete({ ...ask, schema });
      expect(r).toMatchObject({ ok: false, code: 'schema_violation' });
    });
  });

  it('opens the breaker after repeated failures, skips the target, then probes and closes', async () => {
    const l = layer({ maxRetries: 0 });
    server.fallback = { kind: 'status', status: 500 };
    backup.fallback = { kind: 'reply', content: 'backup' };
    await l.complete(ask);
    await l.complete(ask);
    expect(l.states()[0]!.state).toBe('open');
    const before = server.requests.length;
    expect(await l.complete(ask)).toMatchObject({ ok: true, content: 'backup' });
    expect(server.requests.length).toBe(before);
    await new Promise((r) => setTimeout(r, 1100));
    server.fallback = { kind: 'reply', content: 'primary is back' };
    expect(await l.complete(ask)).toMatchObject({ ok: true, content: 'primary is back' });
    expect(l.states()[0]!.state).toBe('closed');
  });

  it('limits calls in flight per target', async () => {
    const l = layer({ concurrency: 2, timeoutMs: 2000 });
    server.fallback = { kind: 'reply', content: 'slow', delayMs: 150 };
    backup.fallback = { kind: 'reply', content: 'overflow' };
    const results = await Promise.all(Array.from({ length: 5 }, () => l.complete(ask)));
    expect(results.filter((r) => r.ok && r.content === 'slow')).toHaveLength(2);
    // the secondary has two slots as well: the fifth call finds every target busy
    expect(results.filter((r) => r.ok && r.content === 'overflow')).toHaveLength(2);
    expect(results.filter((r) => !r.ok)).toEqual([
      {
        ok: false,
        code: 'overloaded',
        reason: 'primary/big-model: too many calls in flight; secondary/small-model: too many calls in flight',
        spent: [],
      },
    ]);
  });

  it('never rejects, even when cancelled', async () => {
    server.fallback = { kind: 'hang' };
    const ac = new AbortController();
    const pending = layer({ timeoutMs: 5000 }).complete(ask, ac.signal);
    setTimeout(() => ac.abort(), 50);
    expect(await pending).toEqual({ ok: false, code: 'cancelled', reason: 'the call was cancelled', spent: [] });
  });

  it('refuses configurations it cannot use, naming the problem', () => {
    expect(() => layer({ chain: [{ provider: 'nope', model: 'm' }] })).toThrow(/no provider is named nope/);
    expect(
      () =>
        new LlmLayer({
          providers: [{ name: 'p', type: 'openai', apiKeyEnv: 'SAI_UNSET_KEY' }],
          chain: [{ provider: 'p', model: 'm' }],
        }),
    ).toThrow(LlmConfigError);
  });
});

describe('CircuitBreaker', () => {
  it('closed → open → half-open (one probe) → closed', () => {
    let now = 0;
    const b = new CircuitBreaker(2, 100, () => now);
    b.failure();
    expect(b.state).toBe('closed');
    b.failure();
    expect([b.state, b.allow()]).toEqual(['open', false]);
    now = 100;
    expect(b.state).toBe('half-open');
    expect(b.allow()).toBe(true);
    expect(b.allow()).toBe(false);
    b.success();
    expect(b.state).toBe('closed');
  });
});

describe('wire format', () => {
  it('estimates tokens when the provider gives no usage', async () => {
    server.enqueue({ kind: 'reply', content: 'x'.repeat(40), usage: null });
    const r = await layer().complete({ messages: [{ role: 'user', content: 'y'.repeat(80) }] });
    expect(r).toMatchObject({ ok: true, usage: { promptTokens: 24, completionTokens: 10, estimated: true } });
  });

  it('streams chat completions as server-sent events to the real client', async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'k' });
    server.enqueue({
      kind: 'reply',
      content: 'streamed answer over several chunks',
      usage: { prompt_tokens: 7, completion_tokens: 6 },
    });
    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('streamed answer over several chunks');
    expect(usage).toEqual({ prompt_tokens: 7, completion_tokens: 6, total_tokens: 13 });
  });
});

describe('shared state', () => {
  class MapState {
    readonly map = new Map<string, string>();
    get(k: string) {
      return Promise.resolve(this.map.get(k));
    }
    set(k: string, v: string) {
      this.map.set(k, v);
      return Promise.resolve();
    }
  }

  it('caches exact repeats of deterministic calls, and not others', async () => {
    const state = new MapState();
    const l = new LlmLayer(
      {
        providers: [{ name: 'primary', type: 'compatible', baseURL: `${url}/v1` }],
        chain: [{ provider: 'primary', model: 'm' }],
        cache: { ttlMs: 60_000 },
      },
      state,
    );
    server.fallback = { kind: 'reply', content: 'same answer' };
    const q = { messages: [{ role: 'user' as const, content: 'What  is\nthe status?' }], temperature: 0 };
    expect(await l.complete(q)).toMatchObject({ ok: true, content: 'same answer' });
    expect(await l.complete({ ...q, messages: [{ role: 'user', content: 'What is the status?' }] })).toMatchObject({
      ok: true,
      content: 'same answer',
      cached: true,
    });
    expect(server.requests).toHaveLength(1);
    await l.complete({ ...q, temperature: 0.7 });
    await l.complete({ ...q, temperature: 0.7 });
    expect(server.requests).toHaveLength(3);
  });

  it('lets one replica learn that another opened the breaker', async () => {
    const state = new MapState();
    const config = {
      providers: [
        { name: 'primary', type: 'compatible' as const, baseURL: `${url}/v1` },
        { name: 'secondary', type: 'compatible' as const, baseURL: `${backupUrl}/v1` },
      ],
      chain: [
        { provider: 'primary', model: 'big' },
        { provider: 'secondary', model: 'small' },
      ],
      maxRetries: 0,
      breaker: { failures: 2, openMs: 5000 },
    };
    const one = new LlmLayer(config, state);
    const two = new LlmLayer(config, state);
    server.fallback = { kind: 'status', status: 500 };
    backup.fallback = { kind: 'reply', content: 'backup' };
    await one.complete(ask);
    await one.complete(ask);
    expect(one.states()[0]!.state).toBe('open');
    const before = server.requests.length;
    expect(await two.complete(ask)).toMatchObject({ ok: true, content: 'backup' });
    expect(server.requests.length).toBe(before);
    expect(two.states()[0]!.state).toBe('open');
  });
});

/** One call with a deadline `timeoutMs` from now, as the sidecar makes it for a request. */
function callWithin(l: LlmLayer, timeoutMs: number): Promise<LlmResult> {
  return l.complete(ask, AbortSignal.timeout(timeoutMs), { deadline: performance.now() + timeoutMs });
}

describe('failover that always fails over', () => {
  it('moves on at once when Retry-After is longer than maxRetryWaitMs, counting it for the breaker', async () => {
    const l = layer({ maxRetries: 2, maxRetryWaitMs: 2000 });
    server.fallback = { kind: 'status', status: 429, retryAfter: 30 };
    backup.fallback = { kind: 'reply', content: 'backup' };
    expect(await l.complete(ask)).toMatchObject({ ok: true, content: 'backup' });
    // one request, no retry after a 30 s wait
    expect(server.requests).toHaveLength(1);
    expect(l.states()[0]!.state).toBe('closed');
    expect(await l.complete(ask)).toMatchObject({ ok: true, content: 'backup' });
    expect(l.states()[0]!.state).toBe('open'); // two failures: the breaker's threshold
  });

  it('moves on at once when Retry-After is longer than the time the request has left', async () => {
    const l = layer({ maxRetries: 2, maxRetryWaitMs: 60_000 });
    server.fallback = { kind: 'status', status: 503, retryAfter: 5 };
    backup.fallback = { kind: 'reply', content: 'backup' };
    expect(await callWithin(l, 1500)).toMatchObject({ ok: true, content: 'backup' });
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry a target that timed out: the next target gets the time', async () => {
    const l = layer({ timeoutMs: 300, maxRetries: 2 });
    server.fallback = { kind: 'hang' };
    backup.fallback = { kind: 'reply', content: 'backup' };
    expect(await l.complete(ask)).toMatchObject({ ok: true, content: 'backup' });
    expect(server.requests).toHaveLength(1);
  });

  it('takes a short Retry-After that fits the budget', async () => {
    const l = layer({ maxRetries: 1, maxRetryWaitMs: 2000 });
    server.enqueue({ kind: 'status', status: 429, retryAfter: 1 }, { kind: 'reply', content: 'after the wait' });
    expect(await callWithin(l, 5000)).toMatchObject({ ok: true, content: 'after the wait' });
    expect(server.requests).toHaveLength(2);
  });

  it('counts an attempt the request deadline cut off as a failure', async () => {
    const l = layer({ breaker: { failures: 1, openMs: 60_000 }, timeoutMs: 10_000 });
    server.fallback = { kind: 'hang' };
    const r = await callWithin(l, 300);
    expect(r).toMatchObject({ ok: false, code: 'cancelled' });
    expect(l.states()[0]!.state).toBe('open');
  });

  it('does not count a caller that went away', async () => {
    const l = layer({ breaker: { failures: 1, openMs: 60_000 }, timeoutMs: 10_000 });
    server.fallback = { kind: 'hang' };
    const ac = new AbortController();
    const pending = l.complete(ask, ac.signal);
    setTimeout(() => ac.abort(new Error('cancelled')), 50);
    expect(await pending).toMatchObject({ ok: false, code: 'cancelled' });
    expect(l.states()[0]!.state).toBe('closed');
  });

  it('never resets the breaker when the slots are full', async () => {
    const l = layer({ concurrency: 1, breaker: { failures: 2, openMs: 60_000 }, maxRetries: 0, timeoutMs: 400 });
    backup.fallback = { kind: 'reply', content: 'backup' };
    server.enqueue({ kind: 'status', status: 500 }, { kind: 'hang' });
    await l.complete(ask); // the first failure of two
    const hanging = l.complete(ask); // holds the primary's only slot until it times out: the second
    await new Promise((r) => setTimeout(r, 100));
    // the slot is taken: this call goes to the backup and must not clear the first failure
    expect(await l.complete(ask)).toMatchObject({ ok: true, content: 'backup' });
    expect(await hanging).toMatchObject({ ok: true, content: 'backup' });
    expect(l.states()[0]!.state).toBe('open');
  });

  it('hands back the half-open probe when no slot is free, without closing the breaker', async () => {
    const clock = { t: 0 };
    const b = new CircuitBreaker(1, 1000, () => clock.t);
    b.failure();
    clock.t = 1500;
    expect(b.state).toBe('half-open');
    expect(b.allow()).toBe(true); // the probe
    b.release(); // …not made
    expect(b.state).toBe('half-open');
    expect(b.allow()).toBe(true); // another call may probe
  });

  it('queues a few calls briefly for a full target instead of refusing them', async () => {
    const l = layer({ concurrency: 1, queue: { max: 1, waitMs: 2000 }, maxRetries: 0 });
    server.fallback = { kind: 'reply', content: 'primary', delayMs: 100 };
    backup.fallback = { kind: 'reply', content: 'backup' };
    const results = await Promise.all(Array.from({ length: 3 }, () => l.complete(ask)));
    // one in flight, one waits for its slot, the third finds the queue full and goes to the backup
    expect(results.map((r) => (r.ok ? r.content : r.code)).sort()).toEqual(['backup', 'primary', 'primary']);
  });
});

describe('chains, routes and model hosting', () => {
  const routed = () =>
    new LlmLayer({
      providers: [
        { name: 'public', type: 'compatible', baseURL: `${url}/v1`, models: ['gpt-4o'] },
        { name: 'vpc', type: 'compatible', baseURL: `${backupUrl}/v1` },
      ],
      chain: [
        { provider: 'public', model: 'gpt-4o-mini' },
        { provider: 'vpc', model: 'llama' },
      ],
      chains: { private: [{ provider: 'vpc', model: 'llama' }], cheap: [{ provider: 'public', model: 'gpt-4o-mini' }] },
      routes: {
        pipelines: { faq: 'cheap', hr: 'private' },
        dataClasses: { Restricted: 'private', confidential: 'private' },
      },
      maxRetries: 0,
    });

  it('routes by data class first (names without case, several classes), then by pipeline', () => {
    const l = routed();
    expect(l.route({ pipeline: 'faq' })).toEqual({ chain: 'cheap' });
    expect(l.route({ pipeline: 'other' })).toEqual({ chain: 'default' });
    expect(l.route({ pipeline: 'faq', dataClasses: ['CONFIDENTIAL'] })).toEqual({
      chain: 'private',
      dataClass: 'confidential',
    });
    // the first class in configuration order decides; unknown classes are ignored
    expect(l.route({ dataClasses: ['public, confidential', 'restricted'] })).toEqual({
      chain: 'private',
      dataClass: 'restricted',
    });
    expect(l.chainNames()).toEqual(['default', 'private', 'cheap']);
  });

  it('uses only the chain it is given: a private call never reaches the public provider, even when the private one fails', async () => {
    backup.enqueue({ kind: 'status', status: 500 });
    const r = await routed().complete(ask, undefined, { chain: 'private' });
    expect(r).toMatchObject({ ok: false, code: 'provider_error' });
    expect(server.requests).toHaveLength(0);
    expect(backup.requests).toHaveLength(1);
  });

  it('sends a model override only to providers that host it', async () => {
    server.enqueue({ kind: 'status', status: 500 });
    const r = await routed().complete({ ...ask, model: 'gpt-4o' });
    // the public provider failed; the VPC one does not host gpt-4o and is not asked for it
    expect(r).toMatchObject({ ok: false, code: 'provider_error' });
    expect(r.ok ? '' : r.reason).toMatch(/vpc\/llama: does not host gpt-4o/);
    expect(backup.requests).toHaveLength(0);
    server.enqueue({ kind: 'reply', content: 'from 4o' });
    expect(await routed().complete({ ...ask, model: 'gpt-4o' })).toMatchObject({ ok: true, model: 'gpt-4o' });
    expect(server.requests.at(-1)!.body.model).toBe('gpt-4o');
    // a model nobody hosts: no call at all
    const none = await routed().complete({ ...ask, model: 'claude-x' });
    expect(none).toMatchObject({ ok: false, code: 'model_unavailable' });
  });

  it('shares a target between chains: one breaker, whichever chain calls it', async () => {
    const l = new LlmLayer({
      providers: [{ name: 'vpc', type: 'compatible', baseURL: `${backupUrl}/v1` }],
      chain: [{ provider: 'vpc', model: 'llama' }],
      chains: { private: [{ provider: 'vpc', model: 'llama' }] },
      breaker: { failures: 1, openMs: 60_000 },
      maxRetries: 0,
    });
    backup.enqueue({ kind: 'status', status: 500 });
    await l.complete(ask, undefined, { chain: 'private' });
    expect(l.states()).toEqual([{ provider: 'vpc', model: 'llama', state: 'open' }]);
    expect(await l.complete(ask)).toMatchObject({ ok: false, code: 'circuit_open' });
  });

  it('records what failed attempts spent: an answer that broke the schema twice, then the next target', async () => {
    const schema = { type: 'object', required: ['n'], properties: { n: { type: 'number' } } };
    server.enqueue(
      { kind: 'reply', content: '{"x":1}', usage: { prompt_tokens: 10, completion_tokens: 2 } },
      { kind: 'reply', content: '{"y":1}', usage: { prompt_tokens: 20, completion_tokens: 2 } },
    );
    backup.enqueue({ kind: 'reply', content: '{"n":1}', usage: { prompt_tokens: 7, completion_tokens: 1 } });
    const r = await layer({ maxRetries: 0 }).complete({ ...ask, schema });
    expect(r).toMatchObject({ ok: true, json: { n: 1 }, provider: 'secondary' });
    expect(r.spent).toEqual([
      { provider: 'primary', model: 'big-model', promptTokens: 10, completionTokens: 2 },
      { provider: 'primary', model: 'big-model', promptTokens: 20, completionTokens: 2 },
      { provider: 'secondary', model: 'small-model', promptTokens: 7, completionTokens: 1 },
    ]);
  });

  it('refuses routes to chains that do not exist', () => {
    expect(
      () =>
        new LlmLayer({
          providers: [{ name: 'p', type: 'compatible', baseURL: `${url}/v1` }],
          chain: [{ provider: 'p', model: 'm' }],
          routes: { dataClasses: { confidential: 'private' } },
        }),
    ).toThrow(/routes.dataClasses.confidential names the chain private, which is not defined \(chains: default\)/);
  });

  it('serves embeddings through a chain, with usage', async () => {
    const l = routed();
    const r = await l.embed({ input: ['one', 'two words'] }, undefined, { chain: 'private' });
    expect(r).toMatchObject({ ok: true, provider: 'vpc', model: 'llama' });
    expect(r.ok && r.vectors.length).toBe(2);
    expect(r.spent).toEqual([{ provider: 'vpc', model: 'llama', promptTokens: 4, completionTokens: 0 }]);
  });
});
