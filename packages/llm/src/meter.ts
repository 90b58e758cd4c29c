/**
 * @fileoverview Token metering and quotas. Usage (prompt, completion and total tokens, cost from a
 * price table) is counted per tenant, application, API and model in the shared store, so every
 * replica sees the same totals. Quotas are reserved atomically before the call (requests, and tokens
 * estimated from the prompt plus `maxTokens`) and settled after it with the real usage, so parallel
 * calls cannot overspend; in shadow mode a quota only reports.
 */
import type { LlmRequest, Store } from '@synapse-ai/sdk';

export type Window = 'minute' | 'hour' | 'day';

/** The application a call without a consumer key counts as. */
export const ANONYMOUS = 'anonymous';
const WINDOW_MS: Record<Window, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export interface QuotaRule {
  /** Whose budget: a tenant's, or an application's (consumer key). */
  scope: 'tenant' | 'application';
  /** Which tenant or application; `*` for each of them separately; `anonymous` for calls without an application key (which otherwise share one `*` budget). */
  match: string;
  tokens?: number;
  requests?: number;
  window: Window;
  /** Only report (log, metrics, header) what would have been refused. */
  shadow?: boolean;
}

export interface Prices {
  /** USD per 1,000 tokens. */
  [model: string]: { prompt: number; completion: number };
}

export interface CallWho {
  tenant?: string;
  application?: string;
  api?: string;
}

export interface QuotaDecision {
  allowed: boolean;
  /** The budget that refused (or would have, in shadow mode). */
  budget?: string;
  limit?: number;
  resetAt?: number;
  shadow?: boolean;
  /** Reservations to settle after the call. */
  reservations: { key: string; amount: number; ttlMs: number; tokens: boolean }[];
}

export type UsageDimension = 'application' | 'api' | 'model' | 'day';

/** One line of a usage breakdown: the grouped dimensions, then the sums. */
export interface UsageRow {
  application?: string;
  api?: string;
  model?: string;
  day?: string;
  calls: number;
  cacheHits: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costUsd: number;
}

/** The UTC days from `from` to `to` (YYYY-MM-DD, inclusive). */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** A rough token count when the provider gives none: about four characters a token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export class Meter {
  constructor(
    private readonly store: Store,
    private readonly options: { quotas?: readonly QuotaRule[]; prices?: Prices; now?: () => number } = {},
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /**
   * The rules that decide for this caller, each with its index (its own counters): per scope, the
   * rules naming the tenant or application exactly, or else the `*` rules. A specific rule replaces
   * the default for that one caller (`prod-app-key` gets its own 100K, not the developers' 1K on
   * top); a tenant's budget and an application's still both apply.
   */
  private applicable(who: CallWho): { rule: QuotaRule; id: string; index: number }[] {
    const exact: { rule: QuotaRule; id: string; index: number }[] = [];
    const fallback: { rule: QuotaRule; id: string; index: number }[] = [];
    (this.options.quotas ?? []).forEach((rule, index) => {
      // a call without an application key is the application "anonymous": all such calls share
      // one budget (a rule matching anonymous, or else the * rule), never none
      const id = rule.scope === 'tenant' ? who.tenant : (who.application ?? ANONYMOUS);
      if (id === undefined) return;
      if (rule.match === id) exact.push({ rule, id, index });
      else if (rule.match === '*') fallback.push({ rule, id, index });
    });
    const specific = new Set(exact.map((e) => e.rule.scope));
    return [...exact, ...fallback.filter((f) => !specific.has(f.rule.scope))].sort((a, b) => a.index - b.index);
  }

  /** Reserves the request and its estimated tokens against every budget that applies. */
  async reserve(who: CallWho, request: LlmRequest): Promise<QuotaDecision> {
    const estimate = request.messages.reduce((n, m) => n + estimateTokens(m.content), 0) + (request.maxTokens ?? 256);
    const reservations: QuotaDecision['reservations'] = [];
    let refusal: Omit<QuotaDecision, 'reservations' | 'allowed'> | undefined;
    for (const { rule, id, index } of this.applicable(who)) {
      const span = WINDOW_MS[rule.window];
      const bucket = Math.floor(this.now() / span) * span;
      const resetAt = bucket + span;
      const ttlMs = resetAt - this.now() + 1000;
      for (const [kind, limit, amount] of [
        ['requests', rule.requests, 1],
        ['tokens', rule.tokens, estimate],
      ] as const) {
        if (limit === undefined) continue;
        // once an enforced budget refused, reserve nothing more: what it would reserve only crowds others out
        if (refusal && !refusal.shadow) break;
        // one counter per rule: two rules never count the same call into one budget
        const key = `quota:${rule.scope}:${id}:${kind}:${rule.window}:${bucket}:r${index}`;
        // an enforced budget is reserved only when it fits, atomically: a refused call never counts,
        // even for a moment, so it cannot crowd out a call that fits (under load, across replicas)
        const after = rule.shadow
          ? await this.store.incr(key, amount, ttlMs)
          : await this.store.incrAtMost(key, amount, limit, ttlMs);
        if (after === undefined) {
          refusal ??= { budget: `${rule.scope} ${id}: ${limit} ${kind} per ${rule.window}`, limit, resetAt };
        } else {
          reservations.push({ key, amount, ttlMs, tokens: kind === 'tokens' });
          if (after > limit)
            refusal ??= {
              budget: `${rule.scope} ${id}: ${limit} ${kind} per ${rule.window}`,
              limit,
              resetAt,
              shadow: true,
            };
        }
      }
    }
    if (refusal && !refusal.shadow) {
      for (const r of reservations) await this.store.incr(r.key, -r.amount, r.ttlMs);
      return { allowed: false, ...refusal, reservations: [] };
    }
    return { allowed: true, ...(refusal ?? {}), reservations };
  }

  /**
   * Replaces the token estimate by the real usage, and counts usage and cost. A cache hit
   * (`cached`) reached no provider: it counts as a call and a cache hit, with no tokens and no cost.
   */
  async settle(
    who: CallWho,
    decision: QuotaDecision,
    model: string,
    answered: { promptTokens: number; completionTokens: number },
    options: { cached?: boolean } = {},
  ): Promise<number> {
    const usage = options.cached ? { promptTokens: 0, completionTokens: 0 } : answered;
    const total = usage.promptTokens + usage.completionTokens;
    for (const r of decision.reservations)
      if (r.tokens && r.amount !== total) await this.store.incr(r.key, total - r.amount, r.ttlMs);
    const price = this.options.prices?.[model];
    const cost = price ? (usage.promptTokens * price.prompt + usage.completionTokens * price.completion) / 1000 : 0;
    const day = new Date(this.now()).toISOString().slice(0, 10);
    const base = `usage:${day}:${who.tenant ?? '-'}`;
    const ttl = 35 * 86_400_000;
    // the tenant's totals, and the same per application, API and model for chargeback
    const dims = JSON.stringify([who.application ?? '-', who.api ?? '-', model]);
    const register = async (): Promise<void> => {
      if (await this.store.setIfAbsent(`${base}:seen:${dims}`, '1', ttl)) {
        const n = await this.store.incr(`${base}:combos`, 1, ttl);
        await this.store.set(`${base}:combo:${n}`, dims, ttl);
      }
    };
    await Promise.all([
      this.count(base, usage, cost, options.cached === true, ttl),
      this.count(`${base}:c:${dims}`, usage, cost, options.cached === true, ttl),
      this.store.set(`${base}:model:${model}`, '1', ttl),
      register(),
    ]);
    return cost;
  }

  /** Adds one call to the counters under `prefix` (independent increments, sent together). */
  private async count(
    prefix: string,
    usage: { promptTokens: number; completionTokens: number },
    cost: number,
    cached: boolean,
    ttl: number,
  ): Promise<void> {
    await Promise.all([
      this.store.incr(`${prefix}:calls`, 1, ttl),
      ...(cached ? [this.store.incr(`${prefix}:cached`, 1, ttl)] : []),
      this.store.incr(`${prefix}:prompt`, usage.promptTokens, ttl),
      this.store.incr(`${prefix}:completion`, usage.completionTokens, ttl),
      this.store.incr(`${prefix}:microusd`, Math.round(cost * 1e6), ttl),
    ]);
  }

  /** The counters under `prefix`, as `count` writes them. */
  private async counters(
    prefix: string,
  ): Promise<{ calls: number; cached: number; prompt: number; completion: number; costUsd: number }> {
    const n = async (k: string): Promise<number> => Number((await this.store.get(`${prefix}:${k}`)) ?? 0);
    const [calls, cached, prompt, completion, micro] = await Promise.all([
      n('calls'),
      n('cached'),
      n('prompt'),
      n('completion'),
      n('microusd'),
    ]);
    return { calls, cached, prompt, completion, costUsd: micro / 1e6 };
  }

  /**
   * A tenant's usage over a range of days (UTC, inclusive), grouped by any of application, API,
   * model and day; filters keep one application, API or model. Rows are sorted by cost, then tokens.
   */
  async breakdown(
    tenant: string,
    query: {
      from: string;
      to: string;
      groupBy?: readonly UsageDimension[];
      application?: string;
      api?: string;
      model?: string;
    },
  ): Promise<UsageRow[]> {
    const groupBy = query.groupBy ?? [];
    const rows = new Map<string, UsageRow>();
    for (const day of daysBetween(query.from, query.to)) {
      const base = `usage:${day}:${tenant}`;
      const count = Number((await this.store.get(`${base}:combos`)) ?? 0);
      for (let i = 1; i <= count; i++) {
        const dims = await this.store.get(`${base}:combo:${i}`);
        if (dims === undefined) continue; // registered a moment ago on another replica
        const [application, api, model] = JSON.parse(dims) as [string, string, string];
        if (query.application !== undefined && application !== query.application) continue;
        if (query.api !== undefined && api !== query.api) continue;
        if (query.model !== undefined && model !== query.model) continue;
        const values = { application, api, model, day };
        const key = JSON.stringify(groupBy.map((g) => values[g]));
        let row = rows.get(key);
        if (!row) {
          row = {
            ...Object.fromEntries(groupBy.map((g) => [g, values[g]])),
            calls: 0,
            cacheHits: 0,
            promptTokens: 0,
            completionTokens: 0,
            totalTokens: 0,
            costUsd: 0,
          } as UsageRow;
          rows.set(key, row);
        }
        const c = await this.counters(`${base}:c:${dims}`);
        row.calls += c.calls;
        row.cacheHits += c.cached;
        row.promptTokens += c.prompt;
        row.completionTokens += c.completion;
        row.totalTokens += c.prompt + c.completion;
        row.costUsd = Math.round((row.costUsd + c.costUsd) * 1e6) / 1e6;
      }
    }
    return [...rows.values()].sort((a, b) => b.costUsd - a.costUsd || b.totalTokens - a.totalTokens);
  }

  /** Releases a reservation when the call did not happen. */
  async release(decision: QuotaDecision): Promise<void> {
    for (const r of decision.reservations) await this.store.incr(r.key, -r.amount, r.ttlMs);
  }

  /** A tenant's usage on a day (UTC, `YYYY-MM-DD`, default today). */
  async usage(
    tenant: string,
    day?: string,
  ): Promise<{
    tenant: string;
    day: string;
    calls: number;
    /** Calls answered from the cache (no provider reached, no tokens, no cost). */
    cacheHits: number;
    promptTokens: number;
    completionTokens: number;
    totalTokens: number;
    costUsd: number;
  }> {
    const d = day ?? new Date(this.now()).toISOString().slice(0, 10);
    const c = await this.counters(`usage:${d}:${tenant}`);
    return {
      tenant,
      day: d,
      calls: c.calls,
      cacheHits: c.cached,
      promptTokens: c.prompt,
      completionTokens: c.completion,
      totalTokens: c.prompt + c.completion,
      costUsd: c.costUsd,
    };
  }
}
