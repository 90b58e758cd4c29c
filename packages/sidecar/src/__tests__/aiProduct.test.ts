/**
 * examples/ai-product, run as its README says: the two stand-in model servers (public and private),
 * a sidecar on the example configuration, the product's OpenAI-format endpoints, the tiers, routing
 * by data class, and the invoice export. The mocks print every request and the usage they reported,
 * so the test knows where each call went and what a provider would have billed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../config';
import { startSidecar, type RunningSidecar } from '../server';

const ROOT = join(__dirname, '../../../..');
const dir = mkdtempSync(join(tmpdir(), 'sai-ai-product-'));
const today = new Date().toISOString().slice(0, 10);

let mock: ChildProcess;
let log = '';
let sidecar: RunningSidecar;

beforeAll(async () => {
  const urls = await new Promise<{ public: string; private: string }>((resolve, reject) => {
    mock = spawn(process.execPath, [join(ROOT, 'examples/ai-product/mock-llm.mjs')], {
      env: { ...process.env, MOCK_PUBLIC_PORT: '0', MOCK_PRIVATE_PORT: '0', MOCK_LOG: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => reject(new Error(`the mocks did not start: ${log}`)), 10_000);
    const onData = (c: Buffer): void => {
      log += c.toString();
      const m = /public model on (\S+), private model on (\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve({ public: m[1]!, private: m[2]! });
      }
    };
    mock.stdout!.on('data', onData);
    mock.stderr!.on('data', onData);
  });
  const yaml = readFileSync(join(ROOT, 'examples/ai-product/sidecar.yaml'), 'utf8')
    .replace('http://127.0.0.1:8099/v1', urls.public)
    .replace('http://127.0.0.1:8098/v1', urls.private);
  writeFileSync(join(dir, 'sidecar.yaml'), yaml);
  sidecar = await startSidecar({
    config: loadConfig({ file: join(dir, 'sidecar.yaml'), env: { SAI_LOG_LEVEL: 'error' }, overrides: { port: 0 } }),
  });
});
afterAll(async () => {
  await sidecar?.close();
  mock?.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** The requests each mock received since `mark` (see `requestsSince`). */
function requestsSince(mark: number): { server: string; path: string; model: string }[] {
  return [...log.slice(mark).matchAll(/^request (\w+) (\S+) (\S+)$/gm)].map((m) => ({
    server: m[1]!,
    path: m[2]!,
    model: m[3]!,
  }));
}

/** What the mocks reported as usage (what a provider bills), summed, since `mark`. */
function billedSince(mark: number): number {
  return [...log.slice(mark).matchAll(/^usage \w+ \S+ (\d+) (\d+)$/gm)].reduce(
    (n, m) => n + Number(m[1]) + Number(m[2]),
    0,
  );
}

/** Lets the mocks' output reach the log (it arrives over a pipe). */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 100));

async function post(
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${sidecar.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tenant-id': 'acme', ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
}

const chat = (content: string) => JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });

describe('examples/ai-product', () => {
  it('answers an OpenAI chat body at the product endpoint as a chat completion, from the public chain', async () => {
    const mark = log.length;
    const r = await post('/v1/products/enterprise-ai/chat/completions', chat('What is our travel policy?'), {
      'x-consumer-key': 'prod-app-key',
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ object: 'chat.completion', choices: [{ message: { role: 'assistant' } }] });
    await settle();
    expect(requestsSince(mark).map((x) => x.server)).toEqual(['public']);
  });

  it('answers a plain-text question, and keeps the HR pipeline on the private endpoint', async () => {
    const mark = log.length;
    const res = await fetch(`${sidecar.url}/v1/policies/hr-assistant`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-tenant-id': 'acme', 'x-consumer-key': 'prod-app-key' },
      body: 'How many days of parental leave do I have?',
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { answer: string }).answer).toMatch(/^\(private\) "How many days of parental leave/);
    await settle();
    expect(requestsSince(mark).map((x) => x.server)).toEqual(['private']);
  });

  it('never sends confidential traffic to the public provider: chat and embeddings go to the private chains', async () => {
    const mark = log.length;
    const confidential = { 'x-consumer-key': 'prod-app-key', 'x-data-class': 'confidential' };
    const answer = await post(
      '/v1/products/enterprise-ai/chat/completions',
      chat('Summarise the merger memo.'),
      confidential,
    );
    expect(answer.status).toBe(200);
    const embeddings = await post(
      '/v1/products/enterprise-ai/embeddings',
      JSON.stringify({ input: ['merger memo, page 1', 'page 2'] }),
      confidential,
    );
    expect(embeddings.status).toBe(200);
    expect(embeddings.json).toMatchObject({ object: 'list', model: 'nomic-embed-text' });
    expect((embeddings.json.data as unknown[]).length).toBe(2);
    // the same endpoint without the class uses the public embeddings chain
    const open = await post('/v1/products/enterprise-ai/embeddings', JSON.stringify({ input: 'public text' }), {
      'x-consumer-key': 'prod-app-key',
    });
    expect(open.json).toMatchObject({ model: 'text-embedding-3-small' });
    await settle();
    expect(requestsSince(mark)).toEqual([
      { server: 'private', path: '/v1/chat/completions', model: 'llama3.1-70b' },
      { server: 'private', path: '/v1/embeddings', model: 'nomic-embed-text' },
      { server: 'public', path: '/v1/embeddings', model: 'text-embedding-3-small' },
    ]);
  });

  it('refuses a model the product does not offer, naming the ones it does', async () => {
    const r = await post(
      '/v1/products/enterprise-ai/embeddings',
      JSON.stringify({ input: 'x', model: 'text-embedding-ada-002' }),
    );
    expect(r.status).toBe(400);
    expect(r.json.detail).toMatch(/not offered here\. Ask for one of text-embedding-3-small/);
  });

  it('refuses the developer application near 1K tokens a day and serves the production one past it', async () => {
    const question = `Please explain the expense rules for team offsites in detail, case ${'x'.repeat(200)}`;
    const until = async (application: string, max: number): Promise<{ served: number; last: number }> => {
      for (let i = 0; i < max; i++) {
        const r = await post('/v1/policies/ai-chat', chat(`${question} ${i}`), { 'x-consumer-key': application });
        if (r.status !== 200) return { served: i, last: r.status };
      }
      return { served: max, last: 200 };
    };
    const dev = await until('dev-app-key', 40);
    expect(dev.last).toBe(429);
    const usage = await fetch(
      `${sidecar.url}/v1/usage?tenant=acme&from=${today}&to=${today}&groupBy=application&application=dev-app-key`,
    ).then((r) => r.json() as Promise<{ rows: { totalTokens: number; calls: number }[] }>);
    const used = usage.rows[0]!.totalTokens;
    // refused near 1K: what was served stays within the budget, and one more call would not fit
    expect(used).toBeLessThanOrEqual(1000);
    expect(used + used / dev.served).toBeGreaterThan(1000 - 256);
    const prod = await until('prod-app-key', dev.served + 5);
    expect(prod.served).toBe(dev.served + 5);
    const refused = await post('/v1/policies/ai-chat', chat('one more'), { 'x-consumer-key': 'dev-app-key' });
    expect(refused.status).toBe(429);
    expect(refused.json.budget).toBe('application dev-app-key: 1000 tokens per day (tier developer)');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('bills every attempt: repairs, failed answers and cache hits agree to the token in usage, metrics and the providers', async () => {
    const tenant = { 'x-tenant-id': 'billing-check', 'x-consumer-key': 'prod-app-key' };
    const mark = log.length;
    const triage = (ticket: string) => post('/v1/policies/ticket-triage', JSON.stringify({ ticket }), tenant);
    expect((await triage('I was charged twice on my invoice')).json).toEqual({ category: 'billing' });
    // a first answer outside the schema, repaired
    expect((await triage('[unclear] my login fails since Monday')).json).toEqual({ category: 'auth' });
    // never a valid answer, on either target of the chain: 502, and four attempts billed
    expect((await triage('[broken] it does not work')).status).toBe(502);
    // the same temperature-0 question twice: the second is a cache hit (no provider, no tokens)
    const q = chat('Which office is closest to the airport?');
    expect((await post('/v1/policies/ai-chat', q, tenant)).status).toBe(200);
    expect((await post('/v1/policies/ai-chat', q, tenant)).status).toBe(200);
    await settle();
    const billed = billedSince(mark);
    // 1 + 2 + 4 attempts of triage, one chat call (the repeat reached no provider)
    expect(requestsSince(mark)).toHaveLength(8);

    const usage = (await fetch(
      `${sidecar.url}/v1/usage?tenant=billing-check&from=${today}&to=${today}&groupBy=model`,
    ).then((r) => r.json())) as { rows: { model: string; calls: number; cacheHits: number; totalTokens: number }[] };
    const usageTokens = usage.rows.reduce((n, r) => n + r.totalTokens, 0);
    const metrics = await fetch(`${sidecar.url}/metrics`).then((r) => r.text());
    const metricTokens = [...metrics.matchAll(/^sai_llm_tokens_total\{([^}]*)\} (\d+)$/gm)]
      .filter((m) => m[1]!.includes('tenant="billing-check"'))
      .reduce((n, m) => n + Number(m[2]), 0);
    expect(billed).toBeGreaterThan(0);
    expect(usageTokens).toBe(billed);
    expect(metricTokens).toBe(billed);
    // answered calls: billing, auth and two chats (one of them from the cache)
    expect(usage.rows.reduce((n, r) => n + r.calls, 0)).toBe(4);
    expect(usage.rows.reduce((n, r) => n + r.cacheHits, 0)).toBe(1);
  });

  it('exports invoice lines per application with the tier each was billed under', async () => {
    // a Gold subscriber: its gateway tier names the tier on its invoice line
    expect(
      (
        await post('/v1/policies/ai-chat', chat('hello'), {
          'x-consumer-key': 'gold-app',
          'x-subscription-tier': 'Gold',
        })
      ).status,
    ).toBe(200);
    const { stdout } = await promisify(execFile)(process.execPath, [
      join(ROOT, 'packages/cli/bin/synapse-ai.js'),
      'usage',
      'export',
      '--url',
      sidecar.url,
      '--tenant',
      'acme',
      '--from',
      today,
      '--to',
      today,
      '--group-by',
      'application',
      '--format',
      'json',
    ]);
    const lines = JSON.parse(stdout) as { application: string; tier: string; calls: number; costUsd: number }[];
    const byApp = Object.fromEntries(lines.map((l) => [l.application, l]));
    expect(byApp['dev-app-key']).toMatchObject({ tier: 'developer' });
    expect(byApp['prod-app-key']).toMatchObject({ tier: 'production' });
    expect(byApp['gold-app']).toMatchObject({ tier: 'Gold', calls: 1 });
    expect(byApp['prod-app-key']!.costUsd).toBeGreaterThan(0);
  });
});
