/**
 * AI API product endpoints against a local OpenAI-compatible server: images, budgets, bad requests
 * and bad configurations (examples/ai-product is run end to end in aiProduct.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestLlmServer } from '@synapse-ai/llm';
import { builtinPolicies } from '@synapse-ai/policies';
import { ConfigError, loadConfig } from '../config';
import { startSidecar, type RunningSidecar } from '../server';

const dir = mkdtempSync(join(tmpdir(), 'sai-products-'));
const llm = new TestLlmServer();
let sidecar: RunningSidecar;
let base = '';

function configFile(name: string, yaml: string): string {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

beforeAll(async () => {
  llm.images = true;
  base = `${await llm.start()}/v1`;
  const file = configFile(
    'sidecar.yaml',
    `
llm:
  providers: [{ name: local, type: compatible, baseURL: '${base}', models: [img-2] }]
  chain: [{ provider: local, model: chat-1 }]
  chains:
    images: [{ provider: local, model: img-1 }]
  quotas:
    - { scope: application, match: limited-app, requests: 1, window: minute }
products:
  studio:
    images: { chain: images, models: [img-1, img-2], maxImages: 2 }
  chat-only:
    chat: { pipeline: ask }
pipelines:
  ask: [{ policy: prompt }]
`,
  );
  sidecar = await startSidecar({
    config: loadConfig({ file, env: { SAI_LOG_LEVEL: 'error' }, overrides: { port: 0 }, policies: builtinPolicies }),
  });
});
afterAll(async () => {
  await sidecar?.close();
  await llm.stop();
  rmSync(dir, { recursive: true, force: true });
});

const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${sidecar.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
};

describe('AI API product endpoints', () => {
  it('lists the products and their endpoints', async () => {
    const res = await fetch(`${sidecar.url}/v1/products`);
    expect(await res.json()).toEqual({
      products: [
        { name: 'studio', endpoints: ['/v1/products/studio/images/generations'] },
        { name: 'chat-only', endpoints: ['/v1/products/chat-only/chat/completions'] },
      ],
    });
  });

  it('generates images through the product chain, in OpenAI format', async () => {
    const r = await post('/v1/products/studio/images/generations', { prompt: 'a lighthouse at dusk', n: 2 });
    expect(r.status).toBe(200);
    const data = r.json.data as { b64_json: string }[];
    expect(data.map((d) => Buffer.from(d.b64_json, 'base64').toString())).toEqual([
      'image 0 of a lighthouse at dusk',
      'image 1 of a lighthouse at dusk',
    ]);
    expect(llm.requests.at(-1)).toMatchObject({ path: '/v1/images/generations', body: { model: 'img-1', n: 2 } });
    // a model the product offers and its provider hosts
    expect((await post('/v1/products/studio/images/generations', { prompt: 'x', model: 'img-2' })).status).toBe(200);
    expect(llm.requests.at(-1)!.body.model).toBe('img-2');
  });

  it('refuses bad requests with what to send instead', async () => {
    const cases: [unknown, RegExp][] = [
      [{ prompt: '' }, /prompt must be a non-empty string/],
      [{ prompt: 'x', n: 3 }, /n must be a whole number from 1 to 2/],
      [{ prompt: 'x', size: 'big' }, /size must look like 1024x1024/],
      [{ prompt: 'x', model: 'dall-e-3' }, /model "dall-e-3" is not offered here\. Ask for one of img-1, img-2/],
      [['x'], /send a JSON object/],
    ];
    for (const [body, detail] of cases) {
      const r = await post('/v1/products/studio/images/generations', body);
      expect([r.status, r.json.detail]).toEqual([400, expect.stringMatching(detail)]);
    }
  });

  it('answers 404 for an unknown product or an endpoint the product does not offer', async () => {
    expect((await post('/v1/products/nope/embeddings', { input: 'x' })).json.detail).toMatch(
      /No product is named 'nope'\. GET \/v1\/products lists them\./,
    );
    const r = await post('/v1/products/studio/embeddings', { input: 'x' });
    expect([r.status, r.json.detail]).toEqual([404, 'The product studio offers no embeddings endpoint.']);
  });

  it('counts product calls against the caller’s budgets (429 with Retry-After)', async () => {
    const who = { 'x-consumer-key': 'limited-app' };
    expect((await post('/v1/products/studio/images/generations', { prompt: 'one' }, who)).status).toBe(200);
    const refused = await post('/v1/products/studio/images/generations', { prompt: 'two' }, who);
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ budget: 'application limited-app: 1 requests per minute' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('answers 503 when no target can answer, without the provider’s words', async () => {
    llm.images = false; // the provider stops offering images (404)
    const r = await post('/v1/products/studio/images/generations', { prompt: 'x' });
    llm.images = true;
    expect([r.status, r.json.detail]).toEqual([503, 'The model service is unavailable right now; try again shortly.']);
  });
});

describe('product configuration', () => {
  const problems = (yaml: string): string[] => {
    try {
      loadConfig({ file: configFile('bad.yaml', yaml), env: {}, policies: builtinPolicies });
      return [];
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
  };

  it('names a chat pipeline that does not exist, a chain that does not exist, and a product that offers nothing', () => {
    expect(
      problems(`
llm:
  providers: [{ name: local, type: compatible, baseURL: 'http://127.0.0.1:1/v1' }]
  chain: [{ provider: local, model: m }]
products:
  a: { chat: { pipeline: missing } }
  b: { embeddings: { chain: vectors } }
  c: {}
`),
    ).toEqual([
      'products.a.chat.pipeline names "missing", which is neither a pipeline nor a policy. Fix: name a pipeline under pipelines (ending in the prompt policy).',
      'products.b.embeddings.chain names "vectors", which is not a chain. Fix: use one of default.',
      'products.c offers nothing. Fix: give chat, embeddings and/or images.',
    ]);
  });

  it('needs a model provider for embeddings and images', () => {
    expect(problems('products: { a: { images: {} } }\n')).toEqual([
      'products.a.images needs a model provider. Fix: add an llm section.',
    ]);
  });
});
