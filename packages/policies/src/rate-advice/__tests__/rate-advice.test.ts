import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { parse } from 'yaml';
import { MemoryStore, PolicyTester } from '@synapse-ai/sdk';
import rateAdvice from '..';
import { runPolicy } from '../../__tests__/harness';
import { fromHistory, update, zScore } from '../../baseline';

const fixtures = PolicyTester.loadFixtures(join(__dirname, '../fixtures'));
const EVENT = JSON.parse(
  readFileSync(join(__dirname, '../../../../../examples/rate-advice/analytics-event.json'), 'utf8'),
) as Record<string, unknown>;
PolicyTester.run(rateAdvice, {
  valid: fixtures.valid,
  invalid: [
    ...fixtures.invalid,
    {
      name: 'one tier only',
      options: { tiers: [{ name: 'A', requestsPerMin: 1 }] },
      body: EVENT,
      error: { code: 'SAI_ERR_INVALID_OPTIONS' },
    },
  ],
});

describe('baselines', () => {
  it('EWMA mean and variance, z-score after enough samples', () => {
    const b = fromHistory([100, 100, 100, 120], 0.5)!;
    expect(b.mean).toBeCloseTo(110);
    expect(b.n).toBe(4);
    expect(zScore(update(undefined, 5, 0.2), 50)).toBe(0);
    expect(zScore(b, 110 + 3 * Math.sqrt(b.variance))).toBeCloseTo(3);
  });
});

describe('rate-advice', () => {
  let hook: Server;
  let hookUrl: string;
  const received: string[] = [];
  beforeAll(async () => {
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(body);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`;
  });
  afterAll(() => hook.close());

  async function advise(store: MemoryStore, body: object, options: object = {}, context: object = {}) {
    return runPolicy(rateAdvice, body, { options, store, context });
  }
  const reviews = async (): Promise<string[]> => {
    // the webhook is posted in the background: wait for it
    await new Promise((r) => setTimeout(r, 150));
    return received.map((b) => (JSON.parse(b) as { text: string }).text);
  };
  beforeEach(() => (received.length = 0));

  // the tiers the analytics article's example answers with ({"tier":"gold","requestsPerMin":45})
  const TIERS = [
    { name: 'Unlimited', requestsPerMin: 1000000 },
    { name: 'gold', requestsPerMin: 45 },
    { name: 'silver', requestsPerMin: 20 },
    { name: 'bronze', requestsPerMin: 10 },
    { name: 'basic', requestsPerMin: 5 },
  ];
  const SEED = {
    api_context: { api_name: '/payment/v1/process', consumer_key: 'abc123' },
    current_request: {
      ip_address: '203.0.113.1',
      user_agent: 'python-requests/2.28.1',
      timestamp: '2024-05-15T14:30:00Z',
    },
    historical_metrics: { calls_last_hour: 1250, error_rate_last_hour: 0.45, avg_response_size: 1200 },
  };
  const BROWSER =
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';

  it('takes the analytics event as it is, and a 45 % error rate from a script is advised lower than 0 % from a browser', async () => {
    const script = await advise(new MemoryStore(), SEED, { tiers: TIERS });
    const browser = await advise(
      new MemoryStore(),
      {
        ...SEED,
        current_request: { ...SEED.current_request, user_agent: BROWSER },
        historical_metrics: { ...SEED.historical_metrics, error_rate_last_hour: 0 },
      },
      { tiers: TIERS },
    );
    expect(browser).toMatchObject({ class: 'standard', score: 0, tier: 'gold', requestsPerMin: 45 });
    expect(script).toMatchObject({ class: 'elevated', tier: 'silver', requestsPerMin: 20 });
    expect(script.requestsPerMin as number).toBeLessThan(browser.requestsPerMin as number);
    expect(script.reasons).toEqual(
      expect.arrayContaining(['error rate 45 % in the last hour', 'automated client (python-requests)']),
    );
  });

  it('classes a risky address with errors from a script as restricted, on the lowest tier, and logs it', async () => {
    const r = await advise(new MemoryStore(), SEED, { tiers: TIERS, addresses: { risky: ['203.0.113.0/24'] } });
    expect(r).toMatchObject({ class: 'restricted', tier: 'basic', requestsPerMin: 5 });
    expect(r.reasons).toContain('address 203.0.113.1 on the risky list');
  });

  it('reads the current tier from the gateway when the event does not carry it, and reviews big changes either way', async () => {
    const store = new MemoryStore();
    // gold → basic: three tiers down, for review
    const down = await advise(
      store,
      SEED,
      { tiers: TIERS, addresses: { risky: ['203.0.113.0/24'] }, webhookUrl: hookUrl },
      { tier: 'gold' },
    );
    expect(down).toMatchObject({
      currentTier: 'gold',
      tier: 'basic',
      review: true,
      notes: ['rate-advice=review: queued'],
    });
    // basic → gold for a quiet browser: three tiers up, reviewed too
    const up = await advise(
      store,
      {
        ...SEED,
        api_context: { ...SEED.api_context, consumer_key: 'xyz', tier: 'basic' },
        current_request: { ...SEED.current_request, user_agent: BROWSER },
        historical_metrics: { calls_last_hour: 1250, error_rate_last_hour: 0 },
      },
      { tiers: TIERS, webhookUrl: hookUrl },
    );
    expect(up).toMatchObject({ currentTier: 'basic', tier: 'gold', review: true });
    const texts = await reviews();
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(
      /^Rate-limit review: abc123 on \/payment\/v1\/process is on gold; the advice is basic \(3 tiers lower\), risk restricted/,
    );
    expect(texts[1]).toMatch(/is on basic; the advice is gold \(3 tiers higher\), risk standard/);
  });

  it('sends one review per consumer and change in a window, whatever the number of calls', async () => {
    const store = new MemoryStore();
    const options = { tiers: TIERS, addresses: { risky: ['203.0.113.0/24'] }, webhookUrl: hookUrl };
    const notes: string[][] = [];
    for (let i = 0; i < 5; i++) notes.push((await advise(store, SEED, options, { tier: 'gold' })).notes as string[]);
    expect(notes[0]).toEqual(['rate-advice=review: queued']);
    expect(notes.slice(1)).toEqual(Array(4).fill(['rate-advice=review: already sent in this window']));
    expect(await reviews()).toHaveLength(1);
  });

  it('answers without waiting for the webhook, and retries a failing one in the background', async () => {
    let calls = 0;
    const flaky = createServer((req, res) => {
      calls++;
      req.resume();
      res.statusCode = calls < 3 ? 503 : 200;
      res.end();
    });
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(flaky.address() as { port: number }).port}/hook`;
    const r = await advise(
      new MemoryStore(),
      SEED,
      { tiers: TIERS, addresses: { risky: ['203.0.113.0/24'] }, webhookUrl: url },
      { tier: 'gold' },
    );
    expect(r.notes).toEqual(['rate-advice=review: queued']);
    expect(calls).toBeLessThan(3); // the answer came before the retries
    for (let i = 0; i < 100 && calls < 3; i++) await new Promise((res) => setTimeout(res, 20));
    expect(calls).toBe(3);
    flaky.close();
  });

  it('keeps a spike out of the baseline and does not reward it with a bigger tier', async () => {
    const store = new MemoryStore();
    const steady = { ...EVENT, consumer: { consumerKey: 'ck-7', tier: 'Bronze' } };
    await advise(store, steady);
    const spike = await advise(store, { ...steady, request: { requestsLastMinute: 9000 } });
    expect(spike).toMatchObject({ tier: 'Bronze', review: false });
    expect((spike.reasons as string[])[0]).toMatch(/^a spike: 9000 requests\/min against a usual \d+ \(z=/);
    expect((spike.baseline as { mean: number }).mean).toBeLessThan(400);
    await store.close();
  });

  it('grows the advice with sustained load, but not while the upstream is strained', async () => {
    const store = new MemoryStore();
    let r: Record<string, unknown> = {};
    const load = (i: number, metrics: object) => ({
      ...EVENT,
      consumer: { consumerKey: 'ck-9', tier: 'Bronze' },
      request: { requestsLastMinute: 1500 + (i % 3) * 10 },
      metrics,
    });
    for (let i = 0; i < 30; i++) r = await advise(store, load(i, {}));
    expect(r).toMatchObject({ tier: 'Silver', requestsPerMin: 2000, currentTier: 'Bronze', review: false });
    const strained = await advise(store, load(31, { p95LatencyMs: 4500 }));
    expect(strained).toMatchObject({ tier: 'Bronze' });
    expect(strained.reasons).toContain('the upstream is strained: no higher tier now');
  });

  it('says the webhook is not configured, and refuses a payload it cannot read', async () => {
    const store = new MemoryStore();
    expect(
      (await advise(store, SEED, { tiers: TIERS, addresses: { risky: ['203.0.113.0/24'] } }, { tier: 'gold' })).notes,
    ).toEqual(['rate-advice=review: webhook not configured']);
    await expect(advise(store, { api_context: { api_name: 'x' } })).rejects.toMatchObject({
      code: 'SAI_ERR_INPUT_INVALID',
      message: expect.stringMatching(/api_context needs api_name and consumer_key/),
    });
    await store.close();
  });
});

describe('examples/rate-advice as its README says', () => {
  it('answers the seed event with the configuration there: elevated, silver at 20/min', async () => {
    const root = join(__dirname, '../../../../../examples/rate-advice');
    const config = parse(readFileSync(join(root, 'sidecar.yaml'), 'utf8')) as {
      policies: { 'rate-advice': { options: object } };
    };
    const seed = JSON.parse(readFileSync(join(root, 'analytics-seed.json'), 'utf8')) as object;
    const r = await runPolicy(rateAdvice, seed, {
      options: config.policies['rate-advice'].options,
      store: new MemoryStore(),
      context: { tier: 'gold' },
    });
    expect(r).toMatchObject({
      consumer: 'abc123',
      api: '/payment/v1/process',
      score: 0.55,
      class: 'elevated',
      tier: 'silver',
      requestsPerMin: 20,
      currentTier: 'gold',
    });
  });
});
