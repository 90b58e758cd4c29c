/**
 * The README's quota example, exactly as written there: each developer application gets 1,000 tokens
 * a day, `prod-app-key` 100,000, and the tenant rule only reports. The specific rule replaces the
 * default for that application (its own counter), so production is served past the developers' 1K.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Meter, type QuotaRule, type Tiers } from '@synapse-ai/llm';
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

describe('tiers, API scopes, months and cost budgets', () => {
  const request = { messages: [{ role: 'user' as const, content: 'x'.repeat(400) }], maxTokens: 100 };
  const usage = { promptTokens: 100, completionTokens: 100 };
  // the seed tiers: Gold 1000 req/day, Silver 500 req/day; 1K tokens/day for developers, 100K for production apps
  const tiers = {
    Gold: [{ requests: 1000, window: 'day' as const }],
    Silver: [{ requests: 500, window: 'day' as const }],
    developer: [{ tokens: 1000, window: 'day' as const }],
    production: [{ tokens: 100000, window: 'day' as const }],
  };

  async function served(meter: Meter, who: object, max: number, admit = false): Promise<number> {
    for (let i = 0; i < max; i++) {
      const d = admit ? await meter.admit(who) : await meter.reserve(who, request);
      if (!d.allowed) return i;
      if (!admit) await meter.settle(who, d, 'm', usage);
    }
    return max;
  }

  it("gives each application its gateway subscription tier's limits", async () => {
    const meter = new Meter(new MemoryStore(), { tiers });
    expect(meter.limitsRequests).toBe(true);
    expect(await served(meter, { tenant: 'acme', application: 'a', tier: 'Silver' }, 600, true)).toBe(500);
    expect(await served(meter, { tenant: 'acme', application: 'b', tier: 'Gold' }, 1100, true)).toBe(1000);
    // an unknown tier (Unlimited is not defined here) has no limits of its own
    expect(await served(meter, { tenant: 'acme', application: 'c', tier: 'Unlimited' }, 1100, true)).toBe(1100);
  });

  it('assigns named tiers to applications; the application rule beats the gateway tier and the default', async () => {
    const meter = new Meter(new MemoryStore(), {
      tiers,
      quotas: [
        { scope: 'application', match: '*', use: 'developer' },
        { scope: 'application', match: 'prod-app-key', use: 'production' },
      ],
    });
    expect(await served(meter, { tenant: 'acme', application: 'dev-1' }, 50)).toBe(5); // 1,000 tokens
    expect(await served(meter, { tenant: 'acme', application: 'prod-app-key' }, 50)).toBe(50);
    const d = await meter.reserve({ tenant: 'acme', application: 'dev-2' }, request);
    expect(d.tier).toBe('developer');
    // a Gold subscriber without its own rule: the gateway tier (more specific than *) decides
    expect((await meter.reserve({ application: 'g', tier: 'Gold' }, request)).tier).toBe('Gold');
  });

  it('counts a per-API rule per API, and a more specific API rule replaces the default', async () => {
    const meter = new Meter(new MemoryStore(), {
      quotas: [
        { scope: 'application', match: '*', api: '*', requests: 2, window: 'hour' },
        { scope: 'application', match: '*', api: 'Completions', requests: 3, window: 'hour' },
      ],
    });
    expect(await served(meter, { application: 'a', api: 'Search' }, 10, true)).toBe(2);
    expect(await served(meter, { application: 'a', api: 'Orders' }, 10, true)).toBe(2); // its own counter
    expect(await served(meter, { application: 'a', api: 'Completions' }, 10, true)).toBe(3);
    const refused = await meter.admit({ application: 'a', api: 'Completions' });
    expect(refused.budget).toBe('application a on Completions: 3 requests per hour');
  });

  it('resets a month budget on the first of the next month (UTC)', async () => {
    let now = Date.parse('2026-11-30T23:59:00Z');
    const meter = new Meter(new MemoryStore(), {
      quotas: [{ scope: 'tenant', match: '*', requests: 1, window: 'month' }],
      now: () => now,
    });
    expect((await meter.admit({ tenant: 't' })).allowed).toBe(true);
    const refused = await meter.admit({ tenant: 't' });
    expect(refused.allowed).toBe(false);
    expect(new Date(refused.resetAt!).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    now = Date.parse('2026-12-01T00:00:01Z');
    expect((await meter.admit({ tenant: 't' })).allowed).toBe(true);
  });

  it('limits cost in USD and prompt or completion tokens, settled with the real usage', async () => {
    // 200 tokens at $1 per 1K: $0.20 a call
    const prices = { m: { prompt: 1, completion: 1 } };
    const meter = new Meter(new MemoryStore(), {
      prices,
      defaultModel: 'm',
      quotas: [{ scope: 'application', match: '*', costUsd: 1, window: 'day' }],
    });
    expect(await served(meter, { application: 'a' }, 20)).toBe(5);
    const completions = new Meter(new MemoryStore(), {
      quotas: [{ scope: 'application', match: '*', completionTokens: 250, window: 'day' }],
    });
    // the estimate is maxTokens (100) a call; the real 100 each: two calls fit, the third would pass 250
    expect(await served(completions, { application: 'a' }, 20)).toBe(2);
  });

  it('refuses rules and tiers that cannot work, naming the fix', () => {
    expect(
      () => new Meter(new MemoryStore(), { quotas: [{ scope: 'application', match: '*', use: 'Platinum' }] }),
    ).toThrow(/use names the tier "Platinum", which llm.tiers does not define/);
    expect(() => new Meter(new MemoryStore(), { quotas: [{ scope: 'tenant', match: '*', window: 'day' }] })).toThrow(
      /limits nothing/,
    );
    expect(() => new Meter(new MemoryStore(), { quotas: [{ scope: 'tenant', match: '*', requests: 5 }] })).toThrow(
      /no window/,
    );
  });

  it('records every attempt that consumed tokens, and the call once under the model that answered', async () => {
    const store = new MemoryStore();
    const meter = new Meter(store, {
      prices: { a: { prompt: 1, completion: 1 }, b: { prompt: 2, completion: 2 } },
      quotas: [{ scope: 'application', match: '*', tokens: 10000, window: 'day' }],
    });
    const who = { tenant: 'acme', application: 'app', api: 'Support' };
    const d = await meter.reserve(who, request);
    // model a broke the schema twice (answer and repair), then b answered
    const spent = [
      { model: 'a', promptTokens: 50, completionTokens: 10 },
      { model: 'a', promptTokens: 70, completionTokens: 10 },
      { model: 'b', promptTokens: 50, completionTokens: 20 },
    ];
    expect(await meter.record(who, d, spent, { answeredBy: 'b' })).toBeCloseTo(0.14 + 0.14);
    const day = new Date().toISOString().slice(0, 10);
    const rows = await meter.breakdown('acme', { from: day, to: day, groupBy: ['model'] });
    // both cost $0.14; more tokens first
    expect(rows.map((r) => [r.model, r.calls, r.promptTokens, r.completionTokens])).toEqual([
      ['a', 0, 120, 20],
      ['b', 1, 50, 20],
    ]);
    expect(await meter.usage('acme')).toMatchObject({ calls: 1, totalTokens: 210 });
    // the token budget holds the real 210, not the estimate
    const after = await meter.reserve(who, { ...request, maxTokens: 10000 - 210 - 100 });
    expect(after.allowed).toBe(true);
  });
});

describe("the README's tier example", () => {
  const readme = readFileSync(join(__dirname, '../../../../README.md'), 'utf8');
  const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('tiers:'));
  const { llm } = parse(block!) as { llm: { tiers: Tiers; quotas: QuotaRule[] } };
  const request = { messages: [{ role: 'user' as const, content: 'x'.repeat(400) }], maxTokens: 100 };
  const usage = { promptTokens: 100, completionTokens: 100 };

  it('holds as written: Gold 1,000 and Silver 500 requests a day, developers 1K tokens, production 100K', async () => {
    const meter = new Meter(new MemoryStore(), { ...llm, prices: { m: { prompt: 0.001, completion: 0.001 } } });
    const admitted = async (who: object, max: number): Promise<number> => {
      for (let i = 0; i < max; i++) if (!(await meter.admit(who)).allowed) return i;
      return max;
    };
    expect(await admitted({ tenant: 'acme', application: 'g', tier: 'Gold' }, 1100)).toBe(1000);
    expect(await admitted({ tenant: 'acme', application: 's', tier: 'Silver' }, 600)).toBe(500);
    const tokens = async (who: object, max: number): Promise<number> => {
      for (let i = 0; i < max; i++) {
        const d = await meter.reserve(who, request, { requests: false });
        if (!d.allowed) return i;
        await meter.settle(who, d, 'm', usage);
      }
      return max;
    };
    // a Gold subscriber is still a developer for tokens: Gold counts requests, developer tokens
    expect(await tokens({ tenant: 'acme', application: 'g', tier: 'Gold' }, 50)).toBe(5);
    expect(await tokens({ tenant: 'acme', application: 'prod-app-key' }, 50)).toBe(50);
  });
});
