import {
  checkQuery,
  exampleOf,
  inferSpec,
  markdownPassages,
  parseQuestion,
  pathTemplater,
  QueryError,
  readAnalytics,
  readHar,
  Shape,
  specDrift,
  suggestTier,
  type OpenApiDocument,
} from '..';

const NOW = new Date('2026-12-02T15:00:00Z'); // a Wednesday

describe('pathTemplater', () => {
  it('templates identifier-like segments and busy positions, keeps versions and words', () => {
    const t = pathTemplater([
      '/v2/orders/123',
      '/v2/orders/9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a/items/ORD-2026-000123',
      '/v2/users/ada@example.org',
      ...['alpha', 'beta', 'gamma', 'delta', 'epsilon'].map((w) => `/v2/tags/${w}`),
      '/v2/health',
    ]);
    expect(t('/v2/orders/123')).toBe('/v2/orders/{id}');
    expect(t('/v2/orders/9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a/items/ORD-2026-000123')).toBe(
      '/v2/orders/{orderId}/items/{itemId}',
    );
    expect(t('/v2/users/ada@example.org')).toBe('/v2/users/{id}');
    expect(t('/v2/tags/alpha')).toBe('/v2/tags/{id}');
    expect(t('/v2/health')).toBe('/v2/health');
  });
});

describe('Shape', () => {
  it('merges integers and numbers, nulls into type lists, and keeps optional properties optional', () => {
    const s = new Shape();
    s.add({ a: 1, b: null, c: 'x' });
    s.add({ a: 1.5, b: 'y' });
    expect(s.toSchema()).toEqual({
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: ['string', 'null'] }, c: { type: 'string' } },
      required: ['a', 'b'],
    });
  });
  it('makes no enum of values that look like personal data or ids', () => {
    const s = new Shape();
    for (let i = 0; i < 20; i++) s.add(['ada@example.org', 'bob@example.org'][i % 2]);
    expect(s.toSchema()).toEqual({ type: 'string', format: 'email' });
    const names = new Shape();
    for (let i = 0; i < 20; i++) names.add(['SKU-1001', 'SKU-1002'][i % 2]);
    expect(names.toSchema()).toEqual({ type: 'string' });
  });
});

describe('readHar and readAnalytics', () => {
  it('says what is wrong and where', () => {
    expect(() => readHar('nope')).toThrow(/not JSON.*Export the capture as HAR 1\.2/);
    expect(() => readHar('{"log":{"entries":[{"request":{"method":"GET","url":"/relative"}}]}}', 'a.har')).toThrow(
      /a\.har: log\.entries\[0\]\.request\.url "\/relative" is not an absolute URL/,
    );
    expect(() => readAnalytics('{"foo":1}', 'ev.jsonl')).toThrow(
      /ev\.jsonl: event 1 needs apiMethod and apiResourceTemplate/,
    );
  });
  it("reads the analytics events' resource template and status, and strips the API context from request paths", () => {
    const ev = readAnalytics(
      [
        '{"apiMethod":"get","apiResourceTemplate":"/orders/{orderId}","apiContext":"/shop/v1","targetResponseCode":200}',
        '{"apiMethod":"POST","requestPath":"/shop/v1/orders?x=1","apiContext":"/shop/v1","proxyResponseCode":201}',
      ].join('\n'),
    );
    expect(ev).toEqual([
      { method: 'GET', path: '/orders/{orderId}', templated: true, query: {}, status: 200 },
      { method: 'POST', path: '/orders', templated: false, query: {}, status: 201 },
    ]);
    const doc = inferSpec(ev);
    expect(Object.keys(doc.paths).sort()).toEqual(['/orders', '/orders/{orderId}']);
  });
});

describe('specDrift', () => {
  const doc = {
    openapi: '3.0.3',
    info: { title: 't', version: '1' },
    paths: {
      '/orders/recent': { get: { responses: { '200': { description: 'ok' } } } },
      '/orders/{id}': {
        get: {
          responses: {
            '200': {
              description: 'ok',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Order' } } },
            },
            '4XX': { description: 'client error' },
          },
        },
      },
    },
    components: {
      schemas: {
        Order: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            total: { type: 'number' },
            meta: { type: 'object', additionalProperties: true },
          },
        },
      },
    },
  } as unknown as OpenApiDocument;
  const call = (path: string, status: number, body?: unknown) => ({
    method: 'GET',
    path,
    templated: false,
    query: {},
    status,
    ...(body === undefined ? {} : { response: { mediaType: 'application/json', body } }),
  });

  it('follows $refs, prefers literal paths, honours nXX ranges and additionalProperties', () => {
    const drift = specDrift(doc, [
      call('/orders/recent', 200),
      call('/orders/7', 200, { id: '7', total: 3, meta: { any: 1 } }),
      call('/orders/8', 404),
    ]);
    expect(drift).toEqual([]);
  });
  it('reports type changes and new fields with their place in the body', () => {
    const drift = specDrift(doc, [
      call('/orders/recent', 200),
      call('/orders/7', 200, { id: 7, total: 3, extra: true }),
      call('/orders/7', 500),
    ]);
    expect(drift.map((d) => [d.kind, d.pointer ?? d.status])).toEqual([
      ['type-change', 'response.body.id'],
      ['undocumented-status', 500],
      ['new-field', 'response.body.extra'],
    ]);
  });
});

describe('parseQuestion', () => {
  const q = (s: string) => parseQuestion(s, NOW);
  it('reads the common forms', () => {
    expect(q('which applications used the most tokens this week?')).toEqual({
      measure: 'totalTokens',
      groupBy: ['application'],
      from: '2026-11-30',
      to: '2026-12-02',
      order: 'desc',
      top: 10,
    });
    expect(q('top 3 models by cost last month')).toMatchObject({
      measure: 'costUsd',
      groupBy: ['model'],
      from: '2026-11-01',
      to: '2026-11-30',
      top: 3,
    });
    expect(q('prompt tokens per day for the last 7 days')).toMatchObject({
      measure: 'promptTokens',
      groupBy: ['day'],
      from: '2026-11-26',
      to: '2026-12-02',
    });
    expect(q('how many calls did api orders-api make yesterday')).toMatchObject({
      measure: 'calls',
      from: '2026-12-01',
      to: '2026-12-01',
    });
    expect(q('which app had the fewest cache hits in 2026-10?')).toMatchObject({
      measure: 'cacheHits',
      order: 'asc',
      top: 1,
      from: '2026-10-01',
      to: '2026-10-31',
    });
    expect(q('cost for tier gold from 2026-11-01 to 2026-11-15')).toMatchObject({
      where: { tier: 'gold' },
      from: '2026-11-01',
      to: '2026-11-15',
    });
  });
  it('says how to ask when it cannot read a question', () => {
    expect(() => q('how are things?')).toThrow(QueryError);
    expect(() => q('tokens by application')).toThrow(/no time range: say today/);
  });
  it('checks any query against the allow-lists', () => {
    expect(() =>
      checkQuery({ measure: 'revenue', groupBy: [], from: '2026-01-01', to: '2026-01-02', order: 'desc' }),
    ).toThrow(/measure must be one of/);
    expect(() =>
      checkQuery({ measure: 'calls', groupBy: ['country'], from: '2026-01-01', to: '2026-01-02', order: 'desc' }),
    ).toThrow(/groupBy takes/);
    expect(() =>
      checkQuery({ measure: 'calls', groupBy: [], from: '2026-01-01', to: '2026-01-02', order: 'desc', sql: 'drop' }),
    ).toThrow(/may not have: sql/);
  });
});

describe('exampleOf, markdownPassages, suggestTier', () => {
  it('makes examples from formats, enums and types alone', () => {
    expect(
      exampleOf({
        type: 'object',
        properties: {
          id: { type: 'string', format: 'uuid' },
          status: { type: 'string', enum: ['a', 'b'] },
          qty: { type: 'integer' },
          tags: { type: 'array', items: { type: 'string' } },
        },
      }),
    ).toEqual({ id: '3fa85f64-5717-4562-b3fc-2c963f66afa6', status: 'a', qty: 1, tags: ['example tags'] });
  });
  it('gives Markdown passages their heading path and skips headings inside code fences', () => {
    const p = markdownPassages('g.md', '# A\nintro\n## B\n```\n# not a heading\n```\ntext\n');
    expect(p.map((x) => x.heading)).toEqual(['A', 'A › B']);
  });
  it('suggests the smallest tier for the peers of the same role, else the tenant, else the smallest', () => {
    const tiers = [
      { name: 'Gold', requestsPerDay: 100_000 },
      { name: 'Bronze', requestsPerDay: 1_000 },
      { name: 'Silver', requestsPerDay: 10_000 },
    ];
    const usage = [
      { application: 'a', role: 'batch', calls: 300_000, totalTokens: 0, days: 30 },
      { application: 'b', role: 'batch', calls: 240_000, totalTokens: 0, days: 30 },
      { application: 'c', role: 'web', calls: 3_000, totalTokens: 0, days: 30 },
    ];
    expect(suggestTier({ role: 'batch' }, usage, tiers).tier).toBe('Silver');
    expect(suggestTier({ role: 'web' }, usage, tiers).tier).toBe('Bronze');
    expect(suggestTier({ role: 'new' }, [], tiers)).toMatchObject({ tier: 'Bronze', peers: 0 });
  });
});
