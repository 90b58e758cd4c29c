/**
 * The API lifecycle commands end to end: a HAR capture of several hundred calls becomes an OpenAPI
 * document that a maintained validator accepts, drift against it is found (and exits 1), docs, tags
 * and quota suggestions work without a model, the assistant answers from this project's own docs
 * with a citation, and an analytics question gives the numbers of the real sidecar's /v1/usage.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv04 from 'ajv-draft-04';
import { TestLlmServer } from '@synapse-ai/llm';
import { definePolicy, proceed, silentLogger } from '@synapse-ai/sdk';
import { loadConfig, startSidecar } from '@synapse-ai/sidecar';
import { parse as parseYaml } from 'yaml';
import sarifSchema from '@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json';
import { ordersHar } from './ordersHar';
import { runCli } from './runCli';

const ROOT = join(__dirname, '../../../..');
const dir = mkdtempSync(join(tmpdir(), 'sai-lifecycle-'));
const capture = ordersHar({ entries: 600 });
const harFile = join(dir, 'orders.har');
writeFileSync(harFile, JSON.stringify(capture.har));
const specFile = join(dir, 'api.yaml');

type Doc = {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { name: string; in: string; required?: boolean; schema: Record<string, unknown> }[];
        responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
        requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
      }
    >
  >;
};

describe('spec infer', () => {
  let doc: Doc;
  let text: string;
  beforeAll(async () => {
    const r = await runCli(['spec', 'infer', '--har', harFile, '--out', specFile, '--title', 'Shop']);
    expect(r).toMatchObject({ code: 0 });
    text = readFileSync(specFile, 'utf8');
    doc = parseYaml(text) as Doc;
  });

  it('writes a document the OpenAPI validator accepts', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
    expect(doc.openapi).toBe('3.1.0');
  });

  it('templates paths instead of listing one path per id', () => {
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/v1/customers/{id}/orders',
      '/v1/health',
      '/v1/orders',
      '/v1/orders/{id}',
    ]);
    expect(Object.keys(doc.paths['/v1/orders/{id}']!).sort()).toEqual(['delete', 'get']);
    const id = doc.paths['/v1/orders/{id}']!.get!.parameters!.find((p) => p.name === 'id')!;
    expect(id).toMatchObject({ in: 'path', required: true, schema: { type: 'string', format: 'uuid' } });
    expect(doc.paths['/v1/customers/{id}/orders']!.get!.parameters![0]!.schema).toEqual({ type: 'integer' });
  });

  it('types query parameters and says which are optional', () => {
    const params = doc.paths['/v1/orders']!.get!.parameters!;
    expect(params.find((p) => p.name === 'status')).toMatchObject({
      required: true,
      schema: { type: 'string', enum: ['cancelled', 'paid', 'pending', 'shipped'] },
    });
    expect(params.find((p) => p.name === 'limit')).toMatchObject({ required: true, schema: { type: 'integer' } });
    expect(params.find((p) => p.name === 'page')).toMatchObject({ required: false, schema: { type: 'integer' } });
  });

  it('merges bodies into schemas per status: required vs optional, enums, formats', () => {
    const get = doc.paths['/v1/orders/{id}']!.get!;
    expect(Object.keys(get.responses).sort()).toEqual(['200', '404']);
    const order = get.responses['200']!.content!['application/json']!.schema as {
      required: string[];
      properties: Record<string, Record<string, unknown>>;
    };
    expect(order.required.sort()).toEqual(['createdAt', 'customer', 'id', 'items', 'status', 'total']);
    expect(order.properties.coupon).toEqual({ type: 'string' });
    expect(order.properties.status).toEqual({ type: 'string', enum: ['cancelled', 'paid', 'pending', 'shipped'] });
    expect(order.properties.createdAt).toEqual({ type: 'string', format: 'date-time' });
    expect(order.properties.total).toEqual({ type: 'number' });
    const customer = order.properties.customer as { properties: Record<string, Record<string, unknown>> };
    expect(customer.properties.email).toEqual({ type: 'string', format: 'email' });
    const post = doc.paths['/v1/orders']!.post!;
    expect(Object.keys(post.responses).sort()).toEqual(['201', '400', '422', '500']);
    expect(post.requestBody!.content['application/json']!.schema).toMatchObject({ required: ['customerId', 'items'] });
    expect(Object.keys(doc.paths['/v1/orders/{id}']!.delete!.responses).sort()).toEqual(['204', '404']);
  });

  it('copies no personal data from the samples', () => {
    expect(capture.personal.length).toBeGreaterThan(100);
    for (const value of capture.personal) expect(text).not.toContain(value);
    expect(text).not.toMatch(/@mail\.example\.org|\+44 20/);
  });
});

describe('spec diff', () => {
  it('is in step with the traffic the document came from (exit 0)', async () => {
    const r = await runCli(['spec', 'diff', '--spec', specFile, '--har', harFile]);
    expect(r.out).toMatch(/^in step/);
    expect(r.code).toBe(0);
  });

  it('finds a shadow endpoint and a new field and exits 1, as text, JSON and SARIF', async () => {
    const drifted = join(dir, 'drifted.har');
    writeFileSync(drifted, JSON.stringify(ordersHar({ entries: 400, seed: 11, drift: true }).har));
    const text = await runCli(['spec', 'diff', '--spec', specFile, '--har', drifted]);
    expect(text.code).toBe(1);
    expect(text.out).toMatch(
      /^shadow-operation +GET \/v1\/internal\/export\/\{id\} is called but not documented \(\d+ calls\)/m,
    );
    expect(text.out).toMatch(/new-field .*response\.body\.loyaltyPoints is not in the schema/);
    const json = await runCli(['spec', 'diff', '--spec', specFile, '--har', drifted, '--format', 'json']);
    const report = JSON.parse(json.out) as { inStep: boolean; drift: { kind: string; path: string }[] };
    expect(report.inStep).toBe(false);
    expect(report.drift[0]).toMatchObject({ kind: 'shadow-operation', path: '/v1/internal/export/{id}' });
    const sarif = await runCli(['spec', 'diff', '--spec', specFile, '--har', drifted, '--format', 'sarif']);
    expect(sarif.code).toBe(1);
    const validate = new Ajv04({
      strict: false,
      allErrors: true,
      unicodeRegExp: false,
      validateFormats: false,
    }).compile(sarifSchema);
    expect(validate(JSON.parse(sarif.out))).toBe(true);
  });

  it('reports a documented operation never called', async () => {
    const only = join(dir, 'health.har');
    const entries = (capture.har.log.entries as { request: { url: string } }[]).filter((e) =>
      e.request.url.endsWith('/health'),
    );
    writeFileSync(only, JSON.stringify({ log: { ...capture.har.log, entries } }));
    const r = await runCli(['spec', 'diff', '--spec', specFile, '--har', only, '--format', 'json']);
    const kinds = (JSON.parse(r.out) as { drift: { kind: string; method: string; path: string }[] }).drift;
    expect(kinds).toContainEqual(
      expect.objectContaining({ kind: 'unused-operation', method: 'DELETE', path: '/v1/orders/{id}' }),
    );
    expect(r.code).toBe(1);
  });

  it('answers usage errors with exit 2 and a fix', async () => {
    expect(await runCli(['spec', 'diff', '--har', harFile])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--spec names/),
    });
    const bad = join(dir, 'bad.har');
    writeFileSync(bad, '{"log":{}}');
    expect(await runCli(['spec', 'infer', '--har', bad])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/no log\.entries/),
    });
  });
});

describe('spec docs and spec tag (no model)', () => {
  it('drafts descriptions and examples from the schemas, as a spec and a Markdown page', async () => {
    const out = join(dir, 'documented.yaml');
    const page = join(dir, 'api.md');
    const r = await runCli(['spec', 'docs', specFile, '--out', out, '--markdown', page]);
    expect(r.code).toBe(0);
    const doc = parseYaml(readFileSync(out, 'utf8')) as Doc & Record<string, unknown>;
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
    const get = doc.paths['/v1/orders/{id}']!.get! as unknown as {
      summary: string;
      description: string;
      responses: Record<string, { content: Record<string, { example: Record<string, unknown> }> }>;
    };
    expect(get.summary).toBe('Get an order');
    expect(get.description).toMatch(/Takes `id` \(path, required\)\. Answers 200 OK, 404 Not Found\./);
    const example = get.responses['200']!.content['application/json']!.example;
    expect(example).toMatchObject({
      status: 'cancelled',
      createdAt: '2026-01-15T09:30:00Z',
      customer: { email: 'user@example.com' },
    });
    const md = readFileSync(page, 'utf8');
    expect(md).toMatch(/^## GET \/v1\/orders\/\{id\}$/m);
    expect(md).toContain('"email": "user@example.com"');
  });

  it('tags the API from the taxonomy', async () => {
    const r = await runCli(['spec', 'tag', specFile, '--format', 'json']);
    const tags = JSON.parse(r.out) as { category: string; evidence: string[] }[];
    expect(tags[0]).toMatchObject({ category: 'Commerce' });
    expect(tags[0]!.evidence).toEqual(expect.arrayContaining(['order', 'sku']));
    const taxonomy = join(dir, 'taxonomy.yaml');
    writeFileSync(
      taxonomy,
      '- { name: Retail, keywords: [order, coupon], tags: [retail] }\n- { name: Travel, keywords: [flight] }\n',
    );
    const own = await runCli(['spec', 'tag', specFile, '--taxonomy', taxonomy]);
    expect(own.out).toMatch(/^Retail \([\d.]+\): tags retail; from order, coupon\n$/);
  });
});

describe('assistant ask (no model)', () => {
  it("answers a question about this project's docs with a citation", async () => {
    const r = await runCli([
      'assistant',
      'ask',
      '--docs',
      join(ROOT, 'README.md'),
      '--docs',
      join(ROOT, 'docs'),
      '--format',
      'json',
      'how do I export usage as invoice lines for chargeback?',
    ]);
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.out) as {
      answered: boolean;
      text: string;
      citations: { file: string; heading: string }[];
    };
    expect(answer.answered).toBe(true);
    expect(answer.text).toMatch(/usage export/);
    expect(answer.citations[0]!.file).toMatch(/README\.md$/);
    expect(answer.citations[0]!.heading).not.toBe('');
  });

  it('says so when nothing relevant is found (exit 1)', async () => {
    const r = await runCli(['assistant', 'ask', '--docs', join(ROOT, 'docs'), 'zyxwvut qqqq']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/Nothing in the indexed documentation answers this/);
  });
});

describe('analytics ask and quota suggest against a running sidecar', () => {
  const model = new TestLlmServer();
  let running: Awaited<ReturnType<typeof startSidecar>>;
  const ask = definePolicy({
    meta: {
      name: 'ask',
      version: '1.0.0',
      description: 'ask',
      flows: ['request'],
      stage: 'ai',
      priority: 1,
      accepts: ['json'],
    },
    async handler(_m, ctx) {
      const r = await ctx.llm.complete({ messages: [{ role: 'user', content: 'hi' }] });
      return proceed({ json: { ok: r.ok } });
    },
  });
  beforeAll(async () => {
    const baseURL = `${await model.start()}/v1`;
    const file = join(dir, 'sidecar.yaml');
    writeFileSync(
      file,
      [
        'llm:',
        `  providers: [{ name: local, type: compatible, baseURL: "${baseURL}" }]`,
        '  chain: [{ provider: local, model: m }]',
        '  maxRetries: 0',
        '  prices: { m: { prompt: 2, completion: 4 } }',
      ].join('\n'),
    );
    running = await startSidecar({
      config: loadConfig({ file, env: { SAI_PORT: '0' } }),
      policies: [ask],
      logger: silentLogger,
    });
    // three applications with different use: 1, 3 and 2 calls of 10 + 5 tokens
    model.fallback = { kind: 'reply', content: 'x', usage: { prompt_tokens: 10, completion_tokens: 5 } };
    for (const [app, n] of [
      ['app-a', 1],
      ['app-b', 3],
      ['app-c', 2],
    ] as const)
      for (let i = 0; i < n; i++)
        await fetch(`${running.url}/v1/policies/ask`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Tenant-ID': 'acme', 'X-Consumer-Key': app },
          body: '{}',
        });
  });
  afterAll(async () => {
    await running.close();
    await model.stop();
  });

  it('answers with the numbers /v1/usage gives, and shows the query', async () => {
    const question = 'which applications used the most tokens this week?';
    const r = await runCli([
      'analytics',
      'ask',
      '--url',
      running.url,
      '--tenant',
      'acme',
      '--format',
      'json',
      question,
    ]);
    expect(r.code).toBe(0);
    const { query, rows } = JSON.parse(r.out) as {
      query: { from: string; to: string };
      rows: Record<string, unknown>[];
    };
    expect(query).toMatchObject({ measure: 'totalTokens', groupBy: ['application'], order: 'desc', top: 10 });
    const usage = (await (
      await fetch(`${running.url}/v1/usage?tenant=acme&from=${query.from}&to=${query.to}&groupBy=application`)
    ).json()) as { rows: { application: string; totalTokens: number }[] };
    const expected = [...usage.rows]
      .sort((a, b) => b.totalTokens - a.totalTokens)
      .map((u) => ({ application: u.application, totalTokens: u.totalTokens }));
    expect(rows).toEqual(expected);
    expect(rows).toEqual([
      { application: 'app-b', totalTokens: 45 },
      { application: 'app-c', totalTokens: 30 },
      { application: 'app-a', totalTokens: 15 },
    ]);
    const table = await runCli([
      'analytics',
      'ask',
      '--url',
      running.url,
      '--tenant',
      'acme',
      'which app spent the most this month?',
    ]);
    expect(table.out).toMatch(/^query: costUsd by application from \d{4}-\d{2}-01 to \d{4}-\d{2}-\d{2}, top 1\n/);
    expect(table.out).toMatch(/app-b +0\.12\n$/); // 3 calls of 10 + 5 tokens at 2 and 4 per 1K tokens
  });

  it('lets the configured model read a question the parser cannot, into the query schema only', async () => {
    const cfg = join(dir, 'sidecar.yaml');
    const question = 'how many tokens did each app burn since the first of the month?';
    const today = new Date().toISOString().slice(0, 10);
    const first = `${today.slice(0, 8)}01`;
    model.enqueue({
      kind: 'reply',
      content: JSON.stringify({
        measure: 'totalTokens',
        groupBy: ['application'],
        from: first,
        to: today,
        order: 'desc',
      }),
    });
    const r = await runCli([
      'analytics',
      'ask',
      '--url',
      running.url,
      '--tenant',
      'acme',
      '--model',
      '-c',
      cfg,
      '--format',
      'json',
      question,
    ]);
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(r.out).rows).toEqual([
      { application: 'app-b', totalTokens: 45 },
      { application: 'app-c', totalTokens: 30 },
      { application: 'app-a', totalTokens: 15 },
    ]);
    // a query outside the allow-lists is refused, and so is the question
    model.enqueue({
      kind: 'reply',
      content: JSON.stringify({ measure: 'revenue', groupBy: [], from: first, to: today, order: 'desc' }),
    });
    model.enqueue({
      kind: 'reply',
      content: JSON.stringify({ measure: 'revenue', groupBy: [], from: first, to: today, order: 'desc' }),
    });
    const bad = await runCli([
      'analytics',
      'ask',
      '--url',
      running.url,
      '--tenant',
      'acme',
      '--model',
      '-c',
      cfg,
      question,
    ]);
    expect(bad).toMatchObject({ code: 2, err: expect.stringMatching(/the model could not either/) });
  });

  it("lets the model word the assistant's answer from the retrieved passages only", async () => {
    const cfg = join(dir, 'sidecar.yaml');
    model.enqueue({
      kind: 'reply',
      content: '{"answer":"Run synapse-ai usage export with --from and --to [1].","citations":[1]}',
    });
    const r = await runCli([
      'assistant',
      'ask',
      '--docs',
      join(ROOT, 'README.md'),
      '--model',
      '-c',
      cfg,
      'how do I export usage as invoice lines for chargeback?',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Run synapse-ai usage export with --from and --to \[1\]\.\n\[1\] .*README\.md — /);
  });

  it('lets the model word operations and choose categories, from the taxonomy only', async () => {
    const cfg = join(dir, 'sidecar.yaml');
    const doc = parseYaml(readFileSync(specFile, 'utf8')) as Doc & {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    const getOrder = doc.paths['/v1/orders/{id}']!.get!.operationId;
    model.enqueue({
      kind: 'reply',
      content: JSON.stringify({
        operations: [
          {
            operationId: getOrder,
            summary: 'Fetch one order',
            description: 'Returns the order with its items and totals.',
          },
          { operationId: 'notAnOperation', summary: 'Nope', description: 'Not in the document.' },
        ],
      }),
    });
    const out = join(dir, 'worded.yaml');
    const infer = await runCli(['spec', 'infer', '--har', harFile, '--out', out, '--model', '-c', cfg]);
    expect(infer.err).toMatch(/spec infer: 1 operations worded by m/);
    const worded = parseYaml(readFileSync(out, 'utf8')) as Doc & {
      paths: Record<string, Record<string, { summary: string; description?: string }>>;
    };
    expect(worded.paths['/v1/orders/{id}']!.get).toMatchObject({
      summary: 'Fetch one order',
      description: 'Returns the order with its items and totals.',
    });
    expect(worded.paths['/v1/orders']!.get!.summary).toBe('List orders');
    // the model chooses among the taxonomy's categories; one outside it breaks the schema: keywords decide
    model.enqueue({ kind: 'reply', content: '{"categories":["Payments","Commerce"]}' });
    const tagged = await runCli(['spec', 'tag', specFile, '--model', '-c', cfg, '--format', 'json']);
    expect((JSON.parse(tagged.out) as { category: string }[]).map((t) => t.category)).toEqual(['Payments', 'Commerce']);
    model.enqueue(
      { kind: 'reply', content: '{"categories":["Payroll"]}' },
      { kind: 'reply', content: '{"categories":["Payroll"]}' },
    );
    const refused = await runCli(['spec', 'tag', specFile, '--model', '-c', cfg, '--format', 'json']);
    expect(refused.err).toMatch(/the model's answer was not used/);
    expect((JSON.parse(refused.out) as { category: string }[])[0]!.category).toBe('Commerce');
  });

  it('refuses a question it cannot read, saying how to ask', async () => {
    const r = await runCli(['analytics', 'ask', '--url', running.url, '--tenant', 'acme', 'how are things?']);
    expect(r).toMatchObject({ code: 2, err: expect.stringMatching(/names no measure: ask about tokens/) });
  });

  it('suggests a tier for a new application from the same tenant, without a model', async () => {
    const r = await runCli([
      'quota',
      'suggest',
      '--url',
      running.url,
      '--tenant',
      'acme',
      '--tiers',
      'Bronze=1/20,Silver=5/100,Gold=-/-',
      '--days',
      '1',
    ]);
    expect(r.code).toBe(0);
    // three in four of app-a/b/c use up to 2 calls and 30 tokens a day: Silver holds that, Bronze not
    expect(r.out).toMatch(/^Silver: the smallest tier that holds the daily use of three in four of 3 applications/);
  });
});
