import { join } from 'node:path';
import { MemoryStore, PolicyTester } from '@synapse-ai/sdk';
import anomaly, { type Anomaly } from '..';
import { runPolicy } from '../../__tests__/harness';

const fixtures = PolicyTester.loadFixtures(join(__dirname, '../fixtures'));
PolicyTester.run(anomaly, {
  valid: fixtures.valid,
  invalid: [
    ...fixtures.invalid,
    { name: 'bad option', options: { z: 0 }, body: [], error: { code: 'SAI_ERR_INVALID_OPTIONS' } },
  ],
});

const T0 = Date.parse('2026-11-02T10:00:00Z');
const at = (minute: number, second = 0) => T0 + minute * 60_000 + second * 1000;

async function send(store: MemoryStore, events: object[], options: object = {}) {
  return runPolicy<{ anomalies: Anomaly[] }>(anomaly, { events }, { options, store });
}

describe('anomaly', () => {
  it('flags credential stuffing: many failed logins in a minute', async () => {
    const store = new MemoryStore();
    const events = Array.from({ length: 40 }, (_, i) => ({
      consumerKey: 'ck-a',
      timestamp: at(0, i),
      status: i % 8 === 0 ? 200 : 401,
      path: '/login',
    }));
    const r = await send(store, events);
    expect(r.anomalies).toEqual([
      expect.objectContaining({ type: 'credential_stuffing', consumerKey: 'ck-a', minute: '2026-11-02T10:00Z' }),
    ]);
    expect(r.anomalies[0]!.reason).toBe('35 failed logins of 40 requests this minute (88 %)');
    expect(r.notes).toEqual(['anomaly=flagged credential_stuffing']);
    await store.close();
  });

  it('flags scraping: many distinct paths, many not found', async () => {
    const store = new MemoryStore();
    const events = Array.from({ length: 100 }, (_, i) => ({
      consumerKey: 'ck-s',
      timestamp: at(1, i % 60),
      status: i % 2 ? 404 : 200,
      path: `/products/${1000 + i}`,
    }));
    expect((await send(store, events)).anomalies.map((a) => a.type)).toEqual(['scraping']);
    await store.close();
  });

  it('flags a token burst against the consumer’s own baseline, not its steady use', async () => {
    const store = new MemoryStore();
    for (let m = 0; m < 12; m++) {
      const r = await send(store, [
        {
          consumerKey: 'ck-t',
          timestamp: at(m, 5),
          status: 200,
          promptTokens: 900 + (m % 3) * 50,
          completionTokens: 300,
        },
      ]);
      expect(r.anomalies).toEqual([]);
    }
    const burst = await send(store, [
      { consumerKey: 'ck-t', timestamp: at(12, 5), status: 200, promptTokens: 60000, completionTokens: 4000 },
    ]);
    expect(burst.anomalies.map((a) => a.type)).toEqual(['token_burst']);
    expect(burst.anomalies[0]!.reason).toMatch(/^64000 tokens this minute against a usual \d+$/);
    await store.close();
  });

  it('an absolute token cap applies from the first minute', async () => {
    const store = new MemoryStore();
    const r = await send(store, [{ consumerKey: 'new', timestamp: at(0), status: 200, promptTokens: 5000 }], {
      maxTokensPerMinute: 4000,
    });
    expect(r.anomalies.map((a) => a.type)).toEqual(['token_burst']);
    await store.close();
  });

  it('normal mixed traffic raises nothing', async () => {
    const store = new MemoryStore();
    const events = Array.from({ length: 120 }, (_, i) => ({
      consumerKey: 'ck-n',
      timestamp: at(2, i % 60),
      status: i % 30 === 0 ? 401 : 200,
      path: `/orders/${i % 5}`,
    }));
    expect((await send(store, events)).anomalies).toEqual([]);
    await store.close();
  });
});
