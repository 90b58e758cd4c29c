/**
 * @fileoverview Token metering and quotas. Usage (prompt, completion and total tokens, cost from a
 * price table) is counted per tenant, application, API, model and tier in the shared store, so every
 * replica sees the same totals, and includes every provider attempt that consumed tokens. Quotas
 * (rules, and named tiers the gateway's subscription tier selects) are reserved atomically before the
 * call (requests, tokens and cost estimated from the prompt plus `maxTokens`) and settled after it
 * with the real usage, so parallel calls cannot overspend; in shadow mode a quota only reports.
 */
import type { LlmRequest, Store } from '@synapse-ai/sdk';

export type Window = 'minute' | 'hour' | 'day' | 'month';

/** The application a call without a consumer key counts as. */
export const ANONYMOUS = 'anonymous';
const WINDOW_MS: Record<Exclude<Window, 'month'>, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** What a budget counts. */
export type QuotaKind = 'requests' | 'tokens' | 'promptTokens' | 'completionTokens' | 'costUsd';
export const QUOTA_KINDS: readonly QuotaKind[] = ['requests', 'tokens', 'promptTokens', 'completionTokens', 'costUsd'];

/** Limits over one window: requests, total / prompt / completion tokens, or cost in USD (from the price table). */
export interface QuotaLimits {
  requests?: number;
  tokens?: number;
  promptTokens?: number;
  completionTokens?: number;
  costUsd?: number;
  window: Window;
}

export interface QuotaRule extends Partial<QuotaLimits> {
  /** Whose budget: a tenant's, or an application's (consumer key). */
  scope: 'tenant' | 'application';
  /** Which tenant or application; `*` for each of them separately; `anonymous` for calls without an application key (which otherwise share one `*` budget). */
  match: string;
  /** Only calls the gateway put on this subscription tier (`X-Subscription-Tier`). */
  tier?: string;
  /** Only calls to this API (`X-Api-Name`), counted per API; `*`: every API, each counted separately. */
  api?: string;
  /** The limits of a named tier (`tiers`), instead of limits on the rule itself. */
  use?: string;
  /** Only report (log, metrics, header) what would have been refused. */
  shadow?: boolean;
}

/** Named tiers: each a list of limits (e.g. Gold: 1,000 requests a day). */
export type Tiers = Record<string, readonly QuotaLimits[]>;

export interface Prices {
  /** USD per 1,000 tokens. */
  [model: string]: { prompt: number; completion: number };
}

export interface CallWho {
  tenant?: string;
  application?: string;
  api?: string;
  /** The subscription tier the gateway applied. */
  tier?: string;
}

export interface QuotaDecision {
  allowed: boolean;
  /** The budget that refused (or would have, in shadow mode). */
  budget?: string;
  limit?: number;
  resetAt?: number;
  shadow?: boolean;
  /** The named tier whose limits applied to the application, if any (usage and invoices show it). */
  tier?: string;
  /** Reservations to settle after the call. */
  reservations: { key: string; amount: number; ttlMs: number; kind: QuotaKind }[];
}

/** Tokens one provider attempt consumed, by the model that answered. */
export interface Spend {
  model: string;
  promptTokens: number;
  completionTokens: number;
}

/** Why a set of quota rules cannot work, one sentence per problem (empty when they can). */
export function quotaProblems(rules: readonly QuotaRule[], tiers: Tiers = {}): string[] {
  const problems: string[] = [];
  for (const [name, limits] of Object.entries(tiers))
    limits.forEach((l, i) => {
      if (!QUOTA_KINDS.some((k) => l[k] !== undefined))
        problems.push(
          `llm.tiers.${name}[${i}] limits nothing. Fix: give requests, tokens, promptTokens, completionTokens or costUsd.`,
        );
    });
  rules.forEach((rule, i) => {
    const at = `llm.quotas[${i}]`;
    if (rule.use !== undefined && tiers[rule.use] === undefined)
      problems.push(
        `${at}.use names the tier ${JSON.stringify(rule.use)}, which llm.tiers does not define. Fix: define it under llm.tiers or name one of: ${Object.keys(tiers).join(', ') || '(none defined)'}.`,
      );
    const own = QUOTA_KINDS.some((k) => rule[k] !== undefined);
    if (rule.use !== undefined && (own || rule.window !== undefined))
      problems.push(`${at} gives both use and its own limits. Fix: keep one of them.`);
    if (rule.use === undefined && !own)
      problems.push(
        `${at} limits nothing. Fix: give requests, tokens, promptTokens, completionTokens or costUsd (with a window), or use: <tier>.`,
      );
    if (rule.use === undefined && own && rule.window === undefined)
      problems.push(`${at} has limits but no window. Fix: add window: minute, hour, day or month.`);
  });
  return problems;
}

interface Applicable {
  rule: QuotaRule;
  limits: readonly QuotaLimits[];
  id: string;
  /** The rule's own counters: its position, or the gateway tier it stands for. */
  counter: string;
  tier?: string;
  specificity: number;
}

/** The window a time falls in: its start and when it resets (a calendar month in UTC for `month`). */
export function windowOf(window: Window, now: number): { start: number; resetAt: number } {
  if (window === 'month') {
    const d = new Date(now);
    return {
      start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
      resetAt: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
    };
  }
  const span = WINDOW_MS[window];
  const start = Math.floor(now / span) * span;
  return { start, resetAt: start + span };
}

const UNIT: Record<QuotaKind, string> = {
  requests: 'requests',
  tokens: 'tokens',
  promptTokens: 'prompt tokens',
  completionTokens: 'completion tokens',
  costUsd: 'USD',
};

export type UsageDimension = 'application' | 'api' | 'model' | 'day' | 'tier';

/** One line of a usage breakdown: the grouped dimensions, then the sums. */
export interface UsageRow {
  application?: string;
  api?: string;
  model?: string;
  day?: string;
  tier?: string;
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
  private readonly rules: readonly QuotaRule[];
  private readonly tiers: Tiers;
  /** Whether any budget counts requests (then every call through a pipeline is admitted against it). */
  readonly limitsRequests: boolean;

  constructor(
    private readonly store: Store,
    private readonly options: {
      quotas?: readonly QuotaRule[];
      tiers?: Tiers;
      prices?: Prices;
      /** The model a call's cost is estimated with when it names none (the chain's first). */
      defaultModel?: string;
      now?: () => number;
    } = {},
  ) {
    this.rules = options.quotas ?? [];
    this.tiers = options.tiers ?? {};
    const problems = quotaProblems(this.rules, this.tiers);
    if (problems.length > 0) throw new Error(problems.join(' '));
    const tierCounts = (tier: string): boolean => (this.tiers[tier] ?? []).some((l) => l.requests !== undefined);
    this.limitsRequests =
      this.rules.some((r) => (r.use === undefined ? r.requests !== undefined : tierCounts(r.use))) ||
      Object.keys(this.tiers).some(tierCounts);
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /**
   * The rules that match this caller, each with its specificity: naming the tenant or application
   * counts most, then naming the API, then the subscription tier; `*` rules are the default. A named
   * tier that the gateway's subscription tier names matches as an application rule for that tier.
   * Which of them count is decided per scope and per thing counted (see `take`).
   */
  private applicable(who: CallWho): Applicable[] {
    const found: Applicable[] = [];
    const consider = (rule: QuotaRule, counter: string): void => {
      // a call without an application key is the application "anonymous": all such calls share
      // one budget (a rule matching anonymous, or else the * rule), never none
      const id = rule.scope === 'tenant' ? who.tenant : (who.application ?? ANONYMOUS);
      if (id === undefined) return;
      if (rule.match !== id && rule.match !== '*') return;
      if (rule.tier !== undefined && rule.tier !== who.tier) return;
      if (rule.api !== undefined && rule.api !== '*' && rule.api !== who.api) return;
      const limits = rule.use !== undefined ? (this.tiers[rule.use] ?? []) : [rule as QuotaLimits];
      const specificity =
        (rule.match !== '*' ? 4 : 0) + (rule.api !== undefined && rule.api !== '*' ? 2 : 0) + (rule.tier ? 1 : 0);
      found.push({
        rule,
        limits,
        id,
        counter,
        specificity,
        ...(rule.use !== undefined ? { tier: rule.use } : {}),
      });
    };
    this.rules.forEach((rule, index) => consider(rule, `r${index}`));
    if (who.tier !== undefined && this.tiers[who.tier] !== undefined)
      consider({ scope: 'application', match: '*', tier: who.tier, use: who.tier }, `t:${who.tier}`);
    return found;
  }

  /** What a call is expected to cost, per kind, before it is made. */
  private estimate(request: LlmRequest): Record<QuotaKind, number> {
    const prompt = request.messages.reduce((n, m) => n + estimateTokens(m.content), 0);
    const completion = request.maxTokens ?? 256;
    const price = this.options.prices?.[request.model ?? this.options.defaultModel ?? ''];
    const micro = price ? Math.round(((prompt * price.prompt + completion * price.completion) / 1000) * 1e6) : 0;
    return {
      requests: 1,
      tokens: prompt + completion,
      promptTokens: prompt,
      completionTokens: completion,
      costUsd: micro,
    };
  }

  /**
   * Admits one call through a pipeline against every request budget that applies (model calls in it
   * then count their tokens only). Refused: `allowed: false` naming the budget and its reset.
   */
  async admit(who: CallWho): Promise<QuotaDecision> {
    return this.take(who, { requests: 1, tokens: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 }, ['requests']);
  }

  /**
   * Reserves a model call and its estimated tokens and cost against every budget that applies;
   * `requests: false` when the pipeline call it belongs to was admitted already.
   */
  async reserve(who: CallWho, request: LlmRequest, options: { requests?: boolean } = {}): Promise<QuotaDecision> {
    const kinds = QUOTA_KINDS.filter((k) => k !== 'requests' || options.requests !== false);
    return this.take(who, this.estimate(request), kinds);
  }

  private async take(
    who: CallWho,
    amounts: Record<QuotaKind, number>,
    kinds: readonly QuotaKind[],
  ): Promise<QuotaDecision> {
    const reservations: QuotaDecision['reservations'] = [];
    let refusal: Omit<QuotaDecision, 'reservations' | 'allowed'> | undefined;
    const applicable = this.applicable(who);
    // per scope and per thing counted, only the most specific matching rules count: prod-app-key's
    // own 100K tokens replace the developers' 1K (not on top), while a default request limit of the
    // same scope still applies to it; a tenant's budget and an application's both apply
    const best = new Map<string, number>();
    for (const a of applicable)
      for (const l of a.limits)
        for (const k of QUOTA_KINDS)
          if (l[k] !== undefined)
            best.set(`${a.rule.scope}:${k}`, Math.max(best.get(`${a.rule.scope}:${k}`) ?? 0, a.specificity));
    const counts = (a: Applicable, kind: QuotaKind): boolean => a.specificity === best.get(`${a.rule.scope}:${kind}`);
    // the tier an invoice names: the most specific named tier that counts for the application
    const tier = applicable
      .filter((a) => a.rule.scope === 'application' && a.tier !== undefined)
      .filter((a) => a.limits.some((l) => QUOTA_KINDS.some((k) => l[k] !== undefined && counts(a, k))))
      .sort((x, y) => y.specificity - x.specificity)[0]?.tier;
    const now = this.now();
    outer: for (const a of applicable) {
      const { rule, limits, id, counter } = a;
      for (const [li, limit] of limits.entries()) {
        const { start, resetAt } = windowOf(limit.window, now);
        const ttlMs = resetAt - now + 1000;
        const apiPart = rule.api !== undefined ? `:api:${who.api ?? '-'}` : '';
        for (const kind of kinds) {
          const max = limit[kind];
          if (max === undefined || !counts(a, kind)) continue;
          // once an enforced budget refused, reserve nothing more: what it would reserve only crowds others out
          if (refusal && !refusal.shadow) break outer;
          const amount = amounts[kind];
          const cap = kind === 'costUsd' ? Math.round(max * 1e6) : max;
          // one counter per rule (and per limit of a tier): two rules never count a call into one budget
          const key = `quota:${rule.scope}:${id}${apiPart}:${kind}:${limit.window}:${start}:${counter}:${li}`;
          // an enforced budget is reserved only when it fits, atomically: a refused call never counts,
          // even for a moment, so it cannot crowd out a call that fits (under load, across replicas)
          const after = rule.shadow
            ? await this.store.incr(key, amount, ttlMs)
            : await this.store.incrAtMost(key, amount, cap, ttlMs);
          const budget = `${rule.scope} ${id}${rule.api !== undefined ? ` on ${who.api ?? '-'}` : ''}: ${max} ${UNIT[kind]} per ${limit.window}${rule.use ? ` (tier ${rule.use})` : ''}`;
          if (after === undefined) {
            refusal ??= { budget, limit: max, resetAt };
          } else {
            reservations.push({ key, amount, ttlMs, kind });
            if (after > cap) refusal ??= { budget, limit: max, resetAt, shadow: true };
          }
        }
      }
    }
    const named = tier ? { tier } : {};
    if (refusal && !refusal.shadow) {
      for (const r of reservations) await this.store.incr(r.key, -r.amount, r.ttlMs);
      return { allowed: false, ...refusal, ...named, reservations: [] };
    }
    return { allowed: true, ...(refusal ?? {}), ...named, reservations };
  }

  /** The cost of tokens of a model, in USD, from the price table (0 when the model has no price). */
  costOf(spend: Spend): number {
    const price = this.options.prices?.[spend.model];
    return price ? (spend.promptTokens * price.prompt + spend.completionTokens * price.completion) / 1000 : 0;
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
    const spent = options.cached ? [] : [{ model, ...answered }];
    return this.record(who, decision, spent, { answeredBy: model, ...(options.cached ? { cached: true } : {}) });
  }

  /**
   * Settles a model call from what it spent: every provider attempt that consumed tokens (an answer
   * that broke the schema, its repair, a target that answered before the next one did) counts its
   * tokens and cost under its model; the call itself counts once, under the model that answered
   * (`answeredBy`; none when no target answered). Reservations are replaced by the real amounts.
   * Returns the cost in USD.
   */
  async record(
    who: CallWho,
    decision: QuotaDecision,
    spent: readonly Spend[],
    outcome: { answeredBy?: string; cached?: boolean },
  ): Promise<number> {
    const byModel = new Map<string, { promptTokens: number; completionTokens: number }>();
    for (const s of spent) {
      const m = byModel.get(s.model) ?? { promptTokens: 0, completionTokens: 0 };
      m.promptTokens += s.promptTokens;
      m.completionTokens += s.completionTokens;
      byModel.set(s.model, m);
    }
    if (outcome.answeredBy !== undefined && !byModel.has(outcome.answeredBy))
      byModel.set(outcome.answeredBy, { promptTokens: 0, completionTokens: 0 });
    let prompt = 0;
    let completion = 0;
    let micro = 0;
    const lines = [...byModel].map(([model, usage]) => {
      const cost = this.costOf({ model, ...usage });
      prompt += usage.promptTokens;
      completion += usage.completionTokens;
      micro += Math.round(cost * 1e6);
      return { model, usage, cost };
    });
    const actual: Record<QuotaKind, number> = {
      requests: 1,
      tokens: prompt + completion,
      promptTokens: prompt,
      completionTokens: completion,
      costUsd: micro,
    };
    // a call no target answered is not a request served (its tokens, if any, still count)
    if (outcome.answeredBy === undefined) actual.requests = 0;
    for (const r of decision.reservations)
      if (r.amount !== actual[r.kind]) await this.store.incr(r.key, actual[r.kind] - r.amount, r.ttlMs);
    const day = new Date(this.now()).toISOString().slice(0, 10);
    const base = `usage:${day}:${who.tenant ?? '-'}`;
    const ttl = 35 * 86_400_000;
    const tier = decision.tier ?? who.tier ?? '-';
    await Promise.all(
      lines.map(async ({ model, usage, cost }) => {
        const calls = model === outcome.answeredBy ? 1 : 0;
        const cached = calls === 1 && outcome.cached === true;
        // the tenant's totals, and the same per application, API, model and tier for chargeback
        const dims = JSON.stringify([who.application ?? '-', who.api ?? '-', model, tier]);
        const register = async (): Promise<void> => {
          if (await this.store.setIfAbsent(`${base}:seen:${dims}`, '1', ttl)) {
            const n = await this.store.incr(`${base}:combos`, 1, ttl);
            await this.store.set(`${base}:combo:${n}`, dims, ttl);
          }
        };
        await Promise.all([
          this.count(base, usage, cost, calls, cached, ttl),
          this.count(`${base}:c:${dims}`, usage, cost, calls, cached, ttl),
          this.store.set(`${base}:model:${model}`, '1', ttl),
          register(),
        ]);
      }),
    );
    return micro / 1e6;
  }

  /** Adds one call to the counters under `prefix` (independent increments, sent together). */
  private async count(
    prefix: string,
    usage: { promptTokens: number; completionTokens: number },
    cost: number,
    calls: number,
    cached: boolean,
    ttl: number,
  ): Promise<void> {
    await Promise.all([
      ...(calls > 0 ? [this.store.incr(`${prefix}:calls`, calls, ttl)] : []),
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
   * model, day and tier; filters keep one application, API, model or tier. Rows are sorted by cost, then tokens.
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
      tier?: string;
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
        const [application, api, model, tier = '-'] = JSON.parse(dims) as [string, string, string, string?];
        if (query.application !== undefined && application !== query.application) continue;
        if (query.api !== undefined && api !== query.api) continue;
        if (query.model !== undefined && model !== query.model) continue;
        if (query.tier !== undefined && tier !== query.tier) continue;
        const values = { application, api, model, day, tier };
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
