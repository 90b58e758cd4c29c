/**
 * @fileoverview `rate-advice`: adaptive rate-limit advice per consumer from a gateway analytics
 * payload — the analytics event format (`api_context`, `current_request`, `historical_metrics`) or
 * this policy's own (`api`, `consumer`, `request`, `metrics`). Every signal counts: the error rate,
 * the client (automation libraries, from the user agent), the address (lists you configure), the
 * request rate against the consumer's baseline (EWMA and z-score in the store) and tier, response
 * size, the hour, latency, upstream health and token cost when given. The answer is a risk score and
 * class (standard / elevated / restricted), the recommended tier with that tier's real limit, and
 * the reasons. A change of two tiers or more, up or down, goes to a webhook for human review, once per
 * consumer and window, in the background with retries; restricted consumers are logged for admins.
 */
import { createHash } from 'node:crypto';
import { block, definePolicy, plainJson, proceed } from '@synapse-ai/sdk';
import { fromHistory, loadBaseline, saveBaseline, update, zScore } from '../baseline';
import { askModel } from '../llmShared';
import { outboxFor } from '../outbox';
import { clientOf, inCidr } from '../risk-score';

export interface Tier {
  name: string;
  requestsPerMin: number;
}

/** API Manager's default subscription tiers, highest first. */
export const DEFAULT_TIERS: readonly Tier[] = [
  { name: 'Unlimited', requestsPerMin: Number.MAX_SAFE_INTEGER },
  { name: 'Gold', requestsPerMin: 5000 },
  { name: 'Silver', requestsPerMin: 2000 },
  { name: 'Bronze', requestsPerMin: 1000 },
];

/** What each signal adds to the risk score at full strength. */
export const WEIGHTS = {
  errors: 0.35,
  automation: 0.2,
  address: 0.15,
  spike: 0.15,
  responseSize: 0.05,
  hour: 0.05,
  tokenCost: 0.05,
} as const;

export type Signals = Record<keyof typeof WEIGHTS, number>;

/** One consumer's traffic, whichever format it came in. */
export interface Traffic {
  api: string;
  apiVersion?: string;
  consumer: string;
  currentTier?: string;
  ip?: string;
  userAgent?: string;
  timestamp?: number;
  /** Requests in the last minute (the analytics format's hourly count / 60 when that is all there is). */
  requestsPerMin?: number;
  history: number[];
  errorRate?: number;
  avgResponseSize?: number;
  p95LatencyMs?: number;
  /** 0 (down) .. 1 (healthy). */
  upstreamHealth?: number;
  tokenCostUsdPerHour?: number;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/**
 * Reads either format; undefined with a sentence when neither fits. The analytics format:
 * `{api_context: {api_name, api_version?, consumer_key, tier?}, current_request: {ip_address,
 * user_agent, timestamp}, historical_metrics: {calls_last_hour, error_rate_last_hour,
 * avg_response_size, avg_latency_ms?, p95_latency_ms?, upstream_health?, token_cost_last_hour?,
 * calls_per_minute?}}`.
 */
export function readTraffic(body: unknown, gatewayTier?: string): Traffic | string {
  const b = obj(body);
  if ('api_context' in b) {
    const a = obj(b.api_context);
    const r = obj(b.current_request);
    const m = obj(b.historical_metrics);
    const api = str(a.api_name);
    const consumer = str(a.consumer_key) ?? str(a.application_id);
    if (!api || !consumer) return 'api_context needs api_name and consumer_key.';
    const hourly = num(m.calls_last_hour);
    const perMinute = Array.isArray(m.calls_per_minute) ? m.calls_per_minute.map(Number).filter(Number.isFinite) : [];
    const ts = str(r.timestamp) ? Date.parse(r.timestamp as string) : undefined;
    const tier = str(a.tier) ?? str(a.subscription_tier) ?? gatewayTier;
    return {
      api,
      ...(str(a.api_version) ? { apiVersion: a.api_version as string } : {}),
      consumer,
      ...(tier ? { currentTier: tier } : {}),
      ...(str(r.ip_address) ? { ip: r.ip_address as string } : {}),
      ...(str(r.user_agent) ? { userAgent: r.user_agent as string } : {}),
      ...(ts !== undefined && Number.isFinite(ts) ? { timestamp: ts } : {}),
      ...(perMinute.length > 0
        ? { requestsPerMin: perMinute.at(-1)! }
        : hourly !== undefined
          ? { requestsPerMin: hourly / 60 }
          : {}),
      history: perMinute.slice(0, -1),
      ...(num(m.error_rate_last_hour) !== undefined ? { errorRate: num(m.error_rate_last_hour)! } : {}),
      ...(num(m.avg_response_size) !== undefined ? { avgResponseSize: num(m.avg_response_size)! } : {}),
      ...((num(m.p95_latency_ms) ?? num(m.avg_latency_ms)) !== undefined
        ? { p95LatencyMs: (num(m.p95_latency_ms) ?? num(m.avg_latency_ms))! }
        : {}),
      ...(num(m.upstream_health) !== undefined ? { upstreamHealth: num(m.upstream_health)! } : {}),
      ...(num(m.token_cost_last_hour) !== undefined ? { tokenCostUsdPerHour: num(m.token_cost_last_hour)! } : {}),
    };
  }
  if ('api' in b || 'consumer' in b) {
    const a = obj(b.api);
    const c = obj(b.consumer);
    const r = obj(b.request);
    const m = obj(b.metrics);
    const api = str(a.name);
    const consumer = str(c.consumerKey) ?? str(c.applicationId);
    if (!api || !consumer) return 'api needs a name and consumer a consumerKey or applicationId.';
    const history = Array.isArray(m.requestsPerMinute) ? m.requestsPerMinute.map(Number).filter(Number.isFinite) : [];
    const last = num(r.requestsLastMinute);
    const ts = str(r.timestamp) ? Date.parse(r.timestamp as string) : undefined;
    const tier = str(c.tier) ?? gatewayTier;
    return {
      api,
      ...(str(a.version) ? { apiVersion: a.version as string } : {}),
      consumer,
      ...(tier ? { currentTier: tier } : {}),
      ...(str(r.ipAddress) ? { ip: r.ipAddress as string } : {}),
      ...(str(r.userAgent) ? { userAgent: r.userAgent as string } : {}),
      ...(ts !== undefined && Number.isFinite(ts) ? { timestamp: ts } : {}),
      ...(last !== undefined
        ? { requestsPerMin: last }
        : history.length > 0
          ? { requestsPerMin: history.at(-1)! }
          : {}),
      history: last !== undefined ? history : history.slice(0, -1),
      ...(num(m.errorRate) !== undefined ? { errorRate: num(m.errorRate)! } : {}),
      ...(num(m.avgResponseSize) !== undefined ? { avgResponseSize: num(m.avgResponseSize)! } : {}),
      ...(num(m.p95LatencyMs) !== undefined ? { p95LatencyMs: num(m.p95LatencyMs)! } : {}),
      ...(num(m.upstreamHealth) !== undefined ? { upstreamHealth: num(m.upstreamHealth)! } : {}),
      ...(num(m.tokenCostUsdPerHour) !== undefined ? { tokenCostUsdPerHour: num(m.tokenCostUsdPerHour)! } : {}),
    };
  }
  return 'send the analytics event ({api_context, current_request, historical_metrics}) or {api, consumer, request, metrics}.';
}

export type RiskClass = 'standard' | 'elevated' | 'restricted';

const INPUT = {
  type: 'object',
  properties: {
    api_context: { type: 'object' },
    current_request: { type: 'object' },
    historical_metrics: { type: 'object' },
    api: { type: 'object' },
    consumer: { type: 'object' },
    request: { type: 'object' },
    metrics: { type: 'object' },
  },
} as const;

const CIDR = { type: 'string', pattern: '^[0-9A-Fa-f:.]+(/\\d{1,3})?$' } as const;

export default definePolicy({
  meta: {
    name: 'rate-advice',
    version: '2.0.0',
    description:
      'Adaptive rate-limit advice per consumer from analytics: risk score and class, the recommended tier with its real limit, and reasons; big changes go to a webhook for review.',
    flows: ['request'],
    stage: 'ai',
    priority: 400,
  },
  options: {
    type: 'object',
    properties: {
      tiers: {
        type: 'array',
        items: {
          type: 'object',
          properties: { name: { type: 'string', minLength: 1 }, requestsPerMin: { type: 'number', minimum: 1 } },
          required: ['name', 'requestsPerMin'],
          additionalProperties: false,
        },
        minItems: 2,
        description: 'Tiers from highest to lowest (default: Unlimited, Gold 5000, Silver 2000, Bronze 1000).',
      },
      headroom: { type: 'number', minimum: 1, maximum: 5, default: 1.2 },
      alpha: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.2, description: 'EWMA weight.' },
      spikeZ: { type: 'number', minimum: 1, default: 4, description: 'z-score from which a minute is a spike.' },
      elevatedAt: { type: 'number', minimum: 0, maximum: 1, default: 0.4 },
      restrictedAt: { type: 'number', minimum: 0, maximum: 1, default: 0.7 },
      addresses: {
        type: 'object',
        properties: { risky: { type: 'array', items: CIDR }, trusted: { type: 'array', items: CIDR } },
        additionalProperties: false,
        default: {},
      },
      largeResponseBytes: { type: 'integer', minimum: 1, default: 1048576 },
      slowMs: {
        type: 'integer',
        minimum: 1,
        default: 2000,
        description: 'p95 latency from which the upstream counts as strained.',
      },
      tokenCostUsdPerHour: {
        type: 'number',
        minimum: 0,
        default: 5,
        description: 'Token cost per hour from which a consumer counts as expensive.',
      },
      webhookUrl: {
        type: 'string',
        pattern: '^https?://',
        description: 'Slack-compatible incoming webhook for changes of two tiers or more, up or down.',
      },
      webhookTimeoutMs: { type: 'integer', minimum: 100, maximum: 10000, default: 2000 },
      reviewWindowMinutes: {
        type: 'integer',
        minimum: 1,
        default: 60,
        description: 'One review message per consumer and change within this window.',
      },
      explain: {
        type: 'boolean',
        default: false,
        description: 'Let the model write the reasoning for a restricted consumer.',
      },
      baselineTtlDays: { type: 'integer', minimum: 1, default: 30 },
    },
    additionalProperties: false,
  },
  input: INPUT,
  check(options) {
    return (options.elevatedAt ?? 0.4) >= (options.restrictedAt ?? 0.7)
      ? ['restrictedAt must be above elevatedAt. Fix: e.g. elevatedAt: 0.4, restrictedAt: 0.7.']
      : [];
  },
  async handler(message, ctx) {
    const o = ctx.options;
    const tiers = (o.tiers as readonly Tier[] | undefined) ?? DEFAULT_TIERS;
    const body = plainJson(message.payload);
    const t = readTraffic(body, message.context.tier);
    if (typeof t === 'string') return block('SAI_ERR_INPUT_INVALID', `rate-advice: ${t}`, { status: 422 });
    const alpha = o.alpha ?? 0.2;
    const key = `rate-advice:${t.api}:${t.apiVersion ?? ''}:${t.consumer}`;
    const current = t.requestsPerMin;
    let baseline = (await loadBaseline(ctx.store, key)) ?? fromHistory(t.history, alpha);
    const z = current === undefined || !baseline ? 0 : zScore(baseline, current);
    const spike = z >= (o.spikeZ ?? 4);
    if (current !== undefined && !spike) baseline = update(baseline, current, alpha);
    if (baseline) await saveBaseline(ctx.store, key, baseline, (o.baselineTtlDays ?? 30) * 86_400_000);

    // the signals, each 0..1
    const reasons: string[] = [];
    const s: Signals = { errors: 0, automation: 0, address: 0, spike: 0, responseSize: 0, hour: 0, tokenCost: 0 };
    const err = t.errorRate ?? 0;
    s.errors = err >= 0.4 ? 1 : err >= 0.2 ? 0.6 : err >= 0.05 ? 0.25 : 0;
    if (s.errors > 0) reasons.push(`error rate ${Math.round(err * 100)} % in the last hour`);
    const client = clientOf(t.userAgent);
    if (t.userAgent !== undefined || 'api_context' in (body as object)) {
      s.automation =
        client.kind === 'automation' ? 1 : client.kind === 'none' ? 0.8 : client.kind === 'unknown' ? 0.5 : 0;
      if (s.automation > 0)
        reasons.push(
          client.kind === 'automation'
            ? `automated client (${client.name})`
            : client.kind === 'none'
              ? 'no user agent'
              : 'unrecognised client',
        );
    }
    const trusted = t.ip !== undefined && (o.addresses?.trusted ?? []).some((c) => inCidr(t.ip!, c));
    if (t.ip !== undefined && !trusted && (o.addresses?.risky ?? []).some((c) => inCidr(t.ip!, c))) {
      s.address = 1;
      reasons.push(`address ${t.ip} on the risky list`);
    }
    if (spike) {
      s.spike = 1;
      reasons.push(
        `a spike: ${Math.round(current!)} requests/min against a usual ${Math.round(baseline?.mean ?? 0)} (z=${z.toFixed(1)})`,
      );
    }
    if ((t.avgResponseSize ?? 0) >= (o.largeResponseBytes ?? 1048576)) {
      s.responseSize = 1;
      reasons.push(`large responses (${Math.round(t.avgResponseSize! / 1024)} KiB on average)`);
    }
    if (t.timestamp !== undefined) {
      const hour = new Date(t.timestamp).getUTCHours();
      if (hour < 6) {
        s.hour = 1;
        reasons.push(`traffic at ${hour}:00 UTC`);
      }
    }
    if ((t.tokenCostUsdPerHour ?? 0) >= (o.tokenCostUsdPerHour ?? 5)) {
      s.tokenCost = 1;
      reasons.push(`token cost $${t.tokenCostUsdPerHour!.toFixed(2)} in the last hour`);
    }
    let score = 0;
    for (const [k, w] of Object.entries(WEIGHTS)) score += w * s[k as keyof Signals];
    score = Math.round(Math.min(1, score) * 1000) / 1000;
    const riskClass: RiskClass =
      score >= (o.restrictedAt ?? 0.7) ? 'restricted' : score >= (o.elevatedAt ?? 0.4) ? 'elevated' : 'standard';

    // the tier the usage needs, then lowered for risk: elevated one tier, restricted to the lowest
    const mean = baseline?.mean ?? current ?? 0;
    const sd = Math.sqrt(baseline?.variance ?? 0);
    const needed = Math.ceil((mean + 3 * sd) * (o.headroom ?? 1.2));
    const fitting = tiers.filter((x) => x.requestsPerMin >= needed);
    const needIndex = fitting.length > 0 ? tiers.indexOf(fitting[fitting.length - 1]!) : 0;
    let index =
      riskClass === 'restricted'
        ? tiers.length - 1
        : riskClass === 'elevated'
          ? Math.min(tiers.length - 1, needIndex + 1)
          : needIndex;
    // a strained upstream is no time to grant more
    const currentIndex =
      t.currentTier === undefined ? -1 : tiers.findIndex((x) => x.name.toLowerCase() === t.currentTier!.toLowerCase());
    const strained =
      (t.upstreamHealth !== undefined && t.upstreamHealth < 0.5) || (t.p95LatencyMs ?? 0) >= (o.slowMs ?? 2000);
    if (strained && currentIndex >= 0 && index < currentIndex) {
      index = currentIndex;
      reasons.push('the upstream is strained: no higher tier now');
    }
    const recommended = tiers[index]!;
    reasons.push(
      `${recommended.name} (${recommended.requestsPerMin === Number.MAX_SAFE_INTEGER ? 'unlimited' : `${recommended.requestsPerMin}/min`}) for a usual ${Math.round(mean)} ± ${Math.round(sd)} requests/min${riskClass === 'standard' ? '' : ` at ${riskClass} risk`}`,
    );
    const steps = currentIndex >= 0 ? index - currentIndex : 0;
    const review = Math.abs(steps) >= 2;
    const notes: string[] = [];
    let explanation: string | undefined;
    if (riskClass === 'restricted') {
      if (o.explain) {
        const outcome = await askModel<{ reasoning: string }>(ctx, {
          system:
            'You explain to an API administrator, in two sentences, why a consumer was classed as restricted, using only the signals given. Answer with JSON only: {"reasoning":"..."}.',
          user: JSON.stringify({ consumer: t.consumer, api: t.api, score, reasons }),
          schema: {
            type: 'object',
            properties: { reasoning: { type: 'string', minLength: 1, maxLength: 600 } },
            required: ['reasoning'],
            additionalProperties: false,
          },
          maxTokens: 200,
        });
        if (outcome.status === 'used') explanation = outcome.value.reasoning;
        notes.push(outcome.status === 'used' ? 'reasoning: model' : `reasoning: deterministic (${outcome.reason})`);
      }
      ctx.logger.warn('rate-advice: consumer restricted', {
        consumer: t.consumer,
        api: t.api,
        score,
        reasons,
        ...(explanation ? { reasoning: explanation } : {}),
      });
    }
    if (review) {
      const direction = steps > 0 ? 'lower' : 'higher';
      if (!o.webhookUrl) notes.push('review: webhook not configured');
      else {
        // once per consumer and change in a window, whichever replica sees it first
        const windowMs = (o.reviewWindowMinutes ?? 60) * 60_000;
        const first = await ctx.store.setIfAbsent(
          `rate-advice:review:${t.api}:${t.consumer}:${t.currentTier}->${recommended.name}`,
          '1',
          windowMs,
        );
        if (!first) notes.push('review: already sent in this window');
        else {
          const text = `Rate-limit review: ${t.consumer} on ${t.api}${t.apiVersion ? ` ${t.apiVersion}` : ''} is on ${t.currentTier}; the advice is ${recommended.name} (${Math.abs(steps)} tiers ${direction}), risk ${riskClass} (${score}). ${reasons.join('; ')}.`;
          const queued = outboxFor(
            { url: o.webhookUrl, timeoutMs: o.webhookTimeoutMs ?? 2000, attempts: 3, queue: 1000 },
            ctx,
            'rate-advice review webhook',
          ).offer(JSON.stringify({ text }));
          notes.push(queued ? 'review: queued' : 'review: dropped (queue full)');
        }
      }
    }
    const result = {
      consumer: t.consumer,
      api: t.api,
      ...(t.apiVersion ? { apiVersion: t.apiVersion } : {}),
      score,
      class: riskClass,
      tier: recommended.name,
      requestsPerMin: recommended.requestsPerMin,
      recommendedTier: { tier: recommended.name, requestsPerMin: recommended.requestsPerMin },
      ...(t.currentTier ? { currentTier: t.currentTier } : {}),
      neededPerMin: needed,
      review,
      reasons,
      ...(explanation ? { reasoning: explanation } : {}),
      signals: s,
      baseline: {
        mean: Math.round(mean * 10) / 10,
        stddev: Math.round(sd * 10) / 10,
        z: Math.round(z * 100) / 100,
        samples: baseline?.n ?? 0,
      },
    };
    // how much of what the scorer reads the event carried
    const carried = [
      t.errorRate,
      t.userAgent,
      t.ip,
      t.requestsPerMin,
      t.avgResponseSize,
      t.timestamp,
      t.tokenCostUsdPerHour,
    ].filter((x) => x !== undefined).length;
    return proceed({
      json: result as never,
      contentType: 'application/json',
      ...(notes.length > 0 ? { note: notes.join(', ') } : {}),
      aiDecision: {
        inputSha256: createHash('sha256').update(JSON.stringify(body)).digest('hex'),
        decision: review ? 'review' : recommended.name === t.currentTier ? 'keep' : 'change',
        score,
        class: riskClass,
        tier: recommended.name,
        model: explanation ? 'deterministic (reasoning by the model)' : 'deterministic',
        confidence: Math.round((carried / 7) * 100) / 100,
      },
    });
  },
});
