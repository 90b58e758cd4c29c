/**
 * The README's quota example, exactly as written there: each developer application gets 1,000 tokens
 * a day, `prod-app-key` 100,000, and the tenant rule only reports. The specific rule replaces the
 * default for that application (its own counter), so production is served past the developers' 1K.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Meter, type QuotaRule } from '@synapse-ai/llm';
import { MemoryStore } from '@synapse-ai/sdk';

function readmeQuotas(): QuotaRule[] {
  const readme = readFileSync(join(__dirname, '../../../../README.md'), 'utf8');
  const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .find((b) => b.includes('prod-app-key'));
  if (!block) throw new Error('the README has no quota example with prod-app-key');
  return (parse(block) as { llm: { quotas: QuotaRule[] } }).llm.quotas;
}

describe("the README's quota example", () => {
  const quotas = readmeQuotas();
  // 400 characters of prompt (about 100 tokens) and 100 completion tokens: about 200 tokens a call
  const request = { messages: [{ role: 'user' as const, content: 'x'.repeat(400) }], maxTokens: 100 };
  const usage = { promptTokens: 100, completionTokens: 100 };

  async function callsUntilRefused(
    meter: Meter,
    application: string,
    max: number,
  ): Promise<{ served: number; refusal?: string }> {
    for (let i = 0; i < max; i++) {
      const d = await meter.reserve({ tenant: 'acme', application }, request);
      if (!d.allowed) return { served: i, ...(d.budget ? { refusal: d.budget } : {}) };
      await meter.settle({ tenant: 'acme', application }, d, 'gpt-4o-mini', usage);
    }
    return { served: max };
  }

  it('is the three rules the README shows', () => {
    expect(quotas).toEqual([
      { scope: 'application', match: '*', tokens: 1000, window: 'day' },
      { scope: 'application', match: 'prod-app-key', tokens: 100000, window: 'day' },
      { scope: 'tenant', match: '*', requests: 600, window: 'minute', shadow: true },
    ]);
  });

  it('refuses a developer application near 1K tokens a day', async () => {
    const meter = new Meter(new MemoryStore(), { quotas });
    const r = await callsUntilRefused(meter, 'dev-app-key', 50);
    expect(r.served).toBe(5); // 5 × 200 = 1,000 tokens
    expect(r.refusal).toBe('application dev-app-key: 1000 tokens per day');
  });

  it('serves the production application past 1K tokens (its own 100K budget, not the default on top)', async () => {
    const meter = new Meter(new MemoryStore(), { quotas });
    expect((await callsUntilRefused(meter, 'prod-app-key', 50)).served).toBe(50); // 10,000 tokens
    // and a developer application beside it still has its own 1K
    expect((await callsUntilRefused(meter, 'dev-app-key', 50)).served).toBe(5);
  });

  it('reports the tenant rule in shadow mode without refusing', async () => {
    const meter = new Meter(new MemoryStore(), {
      quotas: [{ scope: 'tenant', match: '*', requests: 2, window: 'minute', shadow: true }],
    });
    const decisions = [];
    for (let i = 0; i < 3; i++) decisions.push(await meter.reserve({ tenant: 'acme', application: 'a' }, request));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true]);
    expect(decisions[2]!.shadow).toBe(true);
  });

  it('records a cache hit as a call and a cache hit, with no tokens and no cost, and gives its token reservation back', async () => {
    const store = new MemoryStore();
    const meter = new Meter(store, { quotas, prices: { m: { prompt: 1, completion: 1 } } });
    const who = { tenant: 'acme', application: 'dev-app-key' };
    const fresh = await meter.reserve(who, request);
    expect(await meter.settle(who, fresh, 'm', usage)).toBeCloseTo(0.2);
    const hit = await meter.reserve(who, request);
    expect(await meter.settle(who, hit, 'm', usage, { cached: true })).toBe(0);
    expect(await meter.usage('acme')).toMatchObject({ calls: 2, cacheHits: 1, totalTokens: 200, costUsd: 0.2 });
    // the developer budget holds only the provider call's 200 tokens: four more calls fit
    expect((await callsUntilRefused(meter, 'dev-app-key', 10)).served).toBe(4);
  });

  it('breaks usage down by application, API, model and day, over a range of days', async () => {
    let now = Date.parse('2026-12-01T10:00:00Z');
    const meter = new Meter(new MemoryStore(), {
      prices: { a: { prompt: 1, completion: 1 }, b: { prompt: 2, completion: 2 } },
      now: () => now,
    });
    const call = async (application: string, api: string, model: string): Promise<void> => {
      const who = { tenant: 'acme', application, api };
      await meter.settle(who, await meter.reserve(who, request), model, usage);
    };
    await call('dev', 'Support', 'a');
    await call('prod', 'Support', 'b');
    now += 86_400_000; // the next day
    await call('prod', 'Support', 'b');
    await call('prod', 'Search', 'a');
    const byApp = await meter.breakdown('acme', { from: '2026-12-01', to: '2026-12-02', groupBy: ['application'] });
    expect(byApp).toEqual([
      {
        application: 'prod',
        calls: 3,
        cacheHits: 0,
        promptTokens: 300,
        completionTokens: 300,
        totalTokens: 600,
        costUsd: 1,
      },
      {
        application: 'dev',
        calls: 1,
        cacheHits: 0,
        promptTokens: 100,
        completionTokens: 100,
        totalTokens: 200,
        costUsd: 0.2,
      },
    ]);
    const prodByDayModel = await meter.breakdown('acme', {
      from: '2026-12-01',
      to: '2026-12-02',
      groupBy: ['day', 'model'],
      application: 'prod',
    });
    expect(prodByDayModel.map((r) => [r.day, r.model, r.calls, r.costUsd])).toEqual([
      ['2026-12-01', 'b', 1, 0.4],
      ['2026-12-02', 'b', 1, 0.4],
      ['2026-12-02', 'a', 1, 0.2],
    ]);
    // the totals agree with the per-day usage
    const days = [await meter.usage('acme', '2026-12-01'), await meter.usage('acme', '2026-12-02')];
    expect(days.reduce((n, d) => n + d.totalTokens, 0)).toBe(byApp.reduce((n, r) => n + r.totalTokens, 0));
  });

  it('puts calls without an application key under one anonymous budget (a rule for anonymous, or else the * rule)', async () => {
    const meter = new Meter(new MemoryStore(), { quotas });
    const anonymous = async (): Promise<number> => {
      let served = 0;
      for (let i = 0; i < 20; i++) {
        const d = await meter.reserve({ tenant: 'acme' }, request);
        if (!d.allowed) break;
        await meter.settle({ tenant: 'acme' }, d, 'm', usage);
        served++;
      }
      return served;
    };
    expect(await anonymous()).toBe(5); // the developers' 1K, shared by every caller without a key
    const strict = new Meter(new MemoryStore(), {
      quotas: [...quotas, { scope: 'application', match: 'anonymous', tokens: 400, window: 'day' }],
    });
    const d1 = await strict.reserve({ tenant: 'acme' }, request);
    await strict.settle({ tenant: 'acme' }, d1, 'm', usage);
    const d2 = await strict.reserve({ tenant: 'acme' }, request);
    await strict.settle({ tenant: 'acme' }, d2, 'm', usage);
    const d3 = await strict.reserve({ tenant: 'acme' }, request);
    expect(d3.allowed).toBe(false);
    expect(d3.budget).toBe('application anonymous: 400 tokens per day');
  });
});
