import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
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

  async function advise(store: MemoryStore, body: object, options: object = {}) {
    return runPolicy(rateAdvice, body, { options, store });
  }

  it('advises the example consumer three tiers down and asks a human through the webhook', async () => {
    const store = new MemoryStore();
    const r = await advise(store, EVENT, { webhookUrl: hookUrl });
    expect(r).toMatchObject({
      tier: 'Bronze',
      currentTier: 'Unlimited',
      review: true,
      notes: ['rate-advice=webhook: sent'],
    });
    expect(r.requestsPerMin as number).toBeGreaterThan(310);
    expect(r.requestsPerMin as number).toBeLessThan(1000);
    const text = (JSON.parse(received.at(-1)!) as { text: string }).text;
    expect(text).toMatch(
      /^Rate-limit review: ck-42 on Orders 1\.0\.0 is on Unlimited; usage suggests Bronze \(3 tiers lower\)/,
    );
    await store.close();
  });

  it('keeps a spike out of the baseline and does not reward it with a bigger tier', async () => {
    const store = new MemoryStore();
    const steady = { ...EVENT, consumer: { consumerKey: 'ck-7', tier: 'Bronze' } };
    await advise(store, steady);
    const spike = await advise(store, { ...steady, request: { requestsLastMinute: 9000 } });
    expect(spike).toMatchObject({ tier: 'Bronze', review: false });
    expect(String(spike.reason)).toMatch(/^A spike \(9000 requests\/min, z=/);
    expect((spike.baseline as { mean: number }).mean).toBeLessThan(400);
    await store.close();
  });

  it('grows the advice with sustained load', async () => {
    const store = new MemoryStore();
    let r: Record<string, unknown> = {};
    for (let i = 0; i < 30; i++)
      r = await advise(store, {
        ...EVENT,
        consumer: { consumerKey: 'ck-9', tier: 'Bronze' },
        request: { requestsLastMinute: 1500 + (i % 3) * 10 },
        metrics: {},
      });
    expect(r).toMatchObject({ tier: 'Silver', currentTier: 'Bronze', review: false });
    await store.close();
  });

  it('says the webhook is not configured, and survives a failing one', async () => {
    const store = new MemoryStore();
    expect((await advise(store, EVENT)).notes).toEqual(['rate-advice=webhook: not configured']);
    expect(
      (await advise(new MemoryStore(), EVENT, { webhookUrl: 'http://127.0.0.1:9/nothing', webhookTimeoutMs: 200 }))
        .notes,
    ).toEqual(['rate-advice=webhook: failed']);
    await store.close();
  });
});
