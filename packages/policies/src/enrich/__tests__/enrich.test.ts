import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import {
  MemoryStore,
  mountPolicy,
  parsePayload,
  PolicyChain,
  PolicyTester,
  serializePayload,
  silentLogger,
} from '@synapse-ai/sdk';
import enrich, { appendXml, expandBody, expandUrl, jwtClaims, sinkQueues } from '..';
import { runPolicy, useTestLlm } from '../../__tests__/harness';

const fixtures = PolicyTester.loadFixtures(join(__dirname, '../fixtures'));
const jwt = (claims: object) =>
  `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

PolicyTester.run(enrich, {
  valid: [
    ...fixtures.valid,
    {
      name: 'JWT claims as typed values, values never break the JSON',
      options: {
        identity: {
          fields: ['tenantId'],
          claims: { map: { sub: 'user', groups: 'groups', 'http://wso2.org/claims/age': 'age' } },
        },
      },
      context: { tenantId: 'a"b\\c' },
      headers: { 'x-jwt-assertion': jwt({ sub: 'ada', groups: ['admin', 'ops'], 'http://wso2.org/claims/age': 36 }) },
      body: { q: 1 },
      output: { q: 1, gateway: { tenantId: 'a"b\\c', user: 'ada', groups: ['admin', 'ops'], age: 36 } },
    },
    {
      name: 'an empty object with whitespace, and number text kept',
      options: { identity: { fields: ['tenantId'] } },
      context: { tenantId: 't' },
      body: '{ \n}',
      contentType: 'application/json',
      output: { gateway: { tenantId: 't' } },
    },
    {
      name: 'identity added to the text as received',
      options: { identity: { fields: ['tenantId'] } },
      context: { tenantId: 't' },
      body: '{"total":500.0,"big":12345678901234567890}',
      contentType: 'application/json',
      output: '{"total":500.0,"big":12345678901234567890,"gateway":{"tenantId":"t"}}',
    },
    {
      name: 'XML: escaped elements inside the root',
      options: { identity: { fields: ['tenantId', 'apiName'] } },
      context: { tenantId: '<acme & co>', apiName: 'Orders' },
      body: '<order xmlns="urn:o"><id>7</id></order>',
      contentType: 'application/xml',
      output:
        '<order xmlns="urn:o"><id>7</id><gatewayContext><tenantId>&lt;acme &amp; co&gt;</tenantId><apiName>Orders</apiName></gatewayContext></order>',
    },
    {
      name: 'model fields without an LLM: unchanged, and the decision says so',
      options: { model: { source: '$.message', fields: ['intent', 'language'] } },
      body: { message: 'Where is my parcel?' },
      output: { message: 'Where is my parcel?' },
      decision: 'allow',
      notes: ['enrich=model: fallback, payload unchanged (no LLM configured)'],
    },
  ],
  invalid: [
    ...fixtures.invalid,
    {
      name: 'a target with an index',
      options: { identity: { target: '$.a[0]' } },
      body: {},
      error: { code: 'SAI_ERR_INVALID_OPTIONS' },
    },
  ],
});

describe('helpers', () => {
  it('decodes JWT claims, and refuses what is not a JWT', () => {
    expect(jwtClaims(`Bearer ${jwt({ sub: 'x' })}`)).toEqual({ sub: 'x' });
    expect(jwtClaims('not-a-jwt')).toBeUndefined();
    expect(jwtClaims('a.!!!.c')).toBeUndefined();
  });
  it('refuses claims nested deeper than any real token, without walking them recursively', () => {
    const deep = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
    const token = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(deep).toString('base64url')}.`;
    expect(jwtClaims(token)).toBeUndefined();
    expect(jwtClaims(jwt({ a: { b: { c: 1 } } }))).toEqual({ a: { b: { c: 1 } } });
  });
  it('expands URL placeholders URL-encoded, and reports a missing one', () => {
    expect(
      expandUrl(
        'http://crm/c/{body.customer.id}?t={context.tenantId}',
        { customer: { id: 'a/b c' } },
        { tenantId: 't&1' },
      ),
    ).toBe('http://crm/c/a%2Fb%20c?t=t%261');
    expect(expandUrl('http://crm/c/{body.customer.id}', { customer: {} }, {})).toBeUndefined();
  });
  it('leaves a self-closing XML root alone', () => expect(appendXml('<a/>', 'g', { x: '1' })).toBe('<a/>'));
});

describe('enrich lookup', () => {
  let server: Server;
  let base: string;
  let hits = 0;
  let fail = false;
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      if (fail) {
        res.statusCode = 500;
        res.end('{}');
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id: req.url!.split('/').pop(), tier: 'gold', since: 2019 }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => server.close());

  async function run(options: object, body: object, store: MemoryStore) {
    try {
      const { notes, ...rest } = await runPolicy(enrich, body, { options, store });
      return { body: JSON.stringify(rest), notes };
    } catch (err) {
      return { error: (err as { code: string }).code };
    }
  }

  it('merges the answer at the target, caches it, and opens the breaker after failures', async () => {
    const store = new MemoryStore();
    const options = {
      lookup: {
        url: `${base}/customers/{body.customerId}`,
        target: '$.customer',
        breaker: { failures: 2, openMs: 60000 },
      },
    };
    const first = await run(options, { customerId: 'C-1' }, store);
    expect(first).toEqual({
      body: '{"customerId":"C-1","customer":{"id":"C-1","tier":"gold","since":2019}}',
      notes: ['enrich=lookup: fetched'],
    });
    expect((await run(options, { customerId: 'C-1' }, store)).notes).toEqual(['enrich=lookup: cached']);
    expect(hits).toBe(1);
    fail = true;
    expect((await run(options, { customerId: 'C-2' }, store)).notes).toEqual(['enrich=lookup: failed']);
    expect((await run(options, { customerId: 'C-3' }, store)).notes).toEqual(['enrich=lookup: failed']);
    const hitsBefore = hits;
    expect((await run(options, { customerId: 'C-4' }, store)).notes).toEqual(['enrich=lookup: circuit open']);
    expect(hits).toBe(hitsBefore);
    fail = false;
    await store.close();
  });

  it('blocks with 503 when the lookup fails and onError is block', async () => {
    const store = new MemoryStore();
    fail = true;
    const r = await run(
      { lookup: { url: `${base}/c/{body.id}`, target: '$.c', onError: 'block' } },
      { id: 'x' },
      store,
    );
    fail = false;
    expect(r).toEqual({ error: 'SAI_ERR_UNAVAILABLE' });
    await store.close();
  });
});

describe('enrich POST lookups (RAG) and sinks', () => {
  let server: Server;
  let base: string;
  const received: { url: string; body: unknown }[] = [];
  /** While set, the sink's answers wait until the test releases them. */
  let holdSink = false;
  const held: (() => void)[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as Record<string, unknown>;
        received.push({ url: req.url!, body });
        const answer = (): void => {
          res.setHeader('content-type', 'application/json');
          if (req.url === '/search')
            res.end(JSON.stringify({ passages: [`about ${String(body.query)}`], k: body.k, tenant: body.tenant }));
          else res.end('{}');
        };
        if (req.url === '/sink' && holdSink) held.push(answer);
        else answer();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => server.close());
  beforeEach(() => {
    received.length = 0;
    holdSink = false;
  });

  it('builds the body from the message and context, with types kept', () => {
    const message = { q: 'refund policy', n: 3, nested: { id: 'A-1' } };
    expect(
      expandBody(
        { query: '{body.q}', k: '{body.n}', tenant: '{context.tenantId}', label: 'order {body.nested.id}', fixed: 5 },
        message,
        { tenantId: 'acme' },
      ),
    ).toEqual({ query: 'refund policy', k: 3, tenant: 'acme', label: 'order A-1', fixed: 5 });
    // a placeholder without a value: no lookup (never a request with a hole in it)
    expect(expandBody({ query: '{body.missing}' }, message, {})).toBeUndefined();
    expect(expandBody({ label: 'x {context.tenantId}' }, message, {})).toBeUndefined();
  });

  it('POSTs the body, merges the answer, and caches it by URL and body', async () => {
    const store = new MemoryStore();
    const options = {
      lookup: {
        url: `${base}/search`,
        method: 'POST',
        body: { query: '{body.question}', k: 2, tenant: '{context.tenantId}' },
        target: '$.context',
      },
    };
    const r = await runPolicy(
      enrich,
      { question: 'how do refunds work?' },
      { options, store, context: { tenantId: 'acme' } },
    );
    expect(r).toEqual({
      question: 'how do refunds work?',
      context: { passages: ['about how do refunds work?'], k: 2, tenant: 'acme' },
      notes: ['enrich=lookup: fetched'],
    });
    expect(received).toEqual([{ url: '/search', body: { query: 'how do refunds work?', k: 2, tenant: 'acme' } }]);
    const again = await runPolicy(
      enrich,
      { question: 'how do refunds work?' },
      { options, store, context: { tenantId: 'acme' } },
    );
    expect(again.notes).toEqual(['enrich=lookup: cached']);
    const other = await runPolicy(enrich, { question: 'shipping?' }, { options, store, context: { tenantId: 'acme' } });
    expect(other.notes).toEqual(['enrich=lookup: fetched']); // another body is another question
    expect(received).toHaveLength(2);
    await store.close();
  });

  function mounted(options: object) {
    const mount = mountPolicy(enrich, options);
    const chain = new PolicyChain('test', [mount]);
    const store = new MemoryStore();
    const run = async (body: object) => {
      const out = await chain.execute(
        {
          payload: parsePayload(Buffer.from(JSON.stringify(body)), 'application/json'),
          contentType: 'application/json',
          headers: {},
          context: { correlationId: 'c-1', flow: 'request', tenantId: 'acme', consumerKey: 'app-1' },
        },
        { logger: silentLogger, store },
      );
      if (out.kind !== 'continue') throw out.error;
      return { body: JSON.parse(serializePayload(out.payload) as string) as unknown, notes: out.notes };
    };
    return { run, store, queues: () => sinkQueues(mount.http) };
  }

  it('posts a redacted record of what was added to the sink, after the answer', async () => {
    const { run, store, queues } = mounted({
      lookup: { url: `${base}/search`, method: 'POST', body: { query: '{body.question}' }, target: '$.context' },
      sink: { url: `${base}/sink` },
    });
    const r = await run({ question: 'mail ada@example.com about order 7' });
    expect(r.notes).toEqual(['enrich=lookup: fetched']);
    await Promise.all(queues().map((q) => q.idle()));
    const sunk = received.filter((x) => x.url === '/sink');
    expect(sunk).toHaveLength(1);
    const record = sunk[0]!.body as Record<string, unknown>;
    expect(record).toMatchObject({ correlationId: 'c-1', tenant: 'acme', application: 'app-1', api: null });
    expect(JSON.stringify(record.result)).not.toContain('ada@example.com');
    expect(record.result).toEqual({ lookup: { passages: ['about mail <EMAIL> about order 7'] } });
    await store.close();
  });

  it('never waits for the sink: a full queue drops the record and counts it', async () => {
    holdSink = true;
    const { run, store, queues } = mounted({
      identity: { fields: ['tenantId'] },
      sink: { url: `${base}/sink`, queue: 1, include: 'message' },
    });
    const notes: string[][] = [];
    // three answers while the sink has not answered the first record
    for (let i = 0; i < 3; i++) notes.push((await run({ i })).notes);
    expect(held.length).toBeLessThanOrEqual(1);
    // the first record is being sent, the second waits, the third finds the queue full
    expect(notes).toEqual([[], [], ['enrich=sink: dropped (queue full)']]);
    expect(await store.get('outbox:dropped:' + new URL(base).host)).toBe('1');
    holdSink = false;
    const release = async (): Promise<void> => {
      while (queues().some((q) => q.sent + q.dropped < 2) || held.length > 0) {
        held.splice(0).forEach((a) => a());
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await release();
    await Promise.all(queues().map((q) => q.idle()));
    expect(received.filter((x) => x.url === '/sink').map((x) => (x.body as { result: unknown }).result)).toEqual([
      { message: { i: 0, gateway: { tenantId: 'acme' } } },
      { message: { i: 1, gateway: { tenantId: 'acme' } } },
    ]);
    await store.close();
  });
});

describe('enrich with a model', () => {
  const test = useTestLlm();
  const llmServer = test.server;
  const options = {
    model: {
      source: '$.message',
      fields: ['intent', 'language', 'sentiment', 'address'],
      intents: ['track-order', 'refund'],
    },
  };

  it('adds schema-checked fields', async () => {
    llmServer.enqueue({
      kind: 'reply',
      content: JSON.stringify({
        intent: 'track-order',
        language: 'de',
        sentiment: 'negative',
        address: { city: 'Berlin', country: 'DE' },
      }),
    });
    await PolicyTester.runValid(
      enrich,
      {
        name: 'model',
        options,
        body: { message: 'Wo ist mein Paket? Lieferung nach Berlin' },
        output: {
          message: 'Wo ist mein Paket? Lieferung nach Berlin',
          derived: {
            intent: 'track-order',
            language: 'de',
            sentiment: 'negative',
            address: { city: 'Berlin', country: 'DE' },
          },
        },
        notes: ['enrich=model: used'],
      },
      { llm: test.llm() },
    );
  });

  it('leaves the payload unchanged when the model answers garbage (an intent outside the list)', async () => {
    llmServer.enqueue({ kind: 'reply', content: '{"intent":"hack"}' }, { kind: 'reply', content: 'no' });
    await PolicyTester.runValid(
      enrich,
      {
        name: 'garbage',
        options,
        body: { message: 'hello' },
        output: { message: 'hello' },
        notes: [/^enrich=model: fallback, payload unchanged/],
      },
      { llm: test.llm() },
    );
  });
});
