/**
 * @fileoverview `rate-advice`: adaptive rate-limit recommendations from a gateway analytics payload
 * (API, consumer and current tier, current requests per minute, recent history). A per-consumer
 * EWMA baseline in the store gives mean, deviation and z-score; the advice is the smallest tier
 * that covers mean + 3σ with headroom, and a spike is never rewarded with a bigger tier. A downgrade
 * of two tiers or more is sent to a webhook (Slack-compatible JSON) for human review.
 */
import { definePolicy, plainJson, proceed, type PolicyContext } from '@synapse-ai/sdk';
import { fromHistory, loadBaseline, saveBaseline, update, zScore } from '../baseline';

interface Tier {
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

const INPUT = {
  type: 'object',
  properties: {
    api: {
      type: 'object',
      properties: { name: { type: 'string' }, version: { type: 'string' }, context: { type: 'string' } },
      required: ['name'],
    },
    consumer: {
      type: 'object',
      properties: { consumerKey: { type: 'string' }, applicationId: { type: 'string' }, tier: { type: 'string' } },
      required: ['tier'],
    },
    request: {
      type: 'object',
      properties: { timestamp: { type: 'string' }, requestsLastMinute: { type: 'number', minimum: 0 } },
    },
    metrics: {
      type: 'object',
      properties: {
        requestsPerMinute: { type: 'array', items: { type: 'number', minimum: 0 }, maxItems: 10080 },
        errorRate: { type: 'number' },
        p95LatencyMs: { type: 'number' },
      },
    },
  },
  required: ['api', 'consumer'],
} as const;

async function notify(ctx: PolicyContext<unknown>, url: string, timeoutMs: number, text: string): Promise<string> {
  try {
    await ctx.http.post(
      url,
      { text },
      {
        timeout: timeoutMs,
        headers: { 'content-type': 'application/json' },
        validateStatus: (s) => s >= 200 && s < 300,
      },
    );
    return 'webhook: sent';
  } catch (err) {
    ctx.logger.warn('rate-advice webhook failed', { error: (err as Error).message });
    return 'webhook: failed';
  }
}

export default definePolicy({
  meta: {
    name: 'rate-advice',
    version: '1.0.0',
    description:
      'Recommends a rate-limit tier per consumer from analytics, with EWMA/z-score baselines; big downgrades go to a webhook for review.',
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
      alpha: {
        type: 'number',
        exclusiveMinimum: 0,
        maximum: 1,
        default: 0.2,
        description: 'EWMA weight of a new observation.',
      },
      spikeZ: {
        type: 'number',
        minimum: 1,
        default: 4,
        description: 'z-score from which the current minute is a spike.',
      },
      webhookUrl: {
        type: 'string',
        pattern: '^https?://',
        description: 'Slack-compatible incoming webhook for downgrades of two tiers or more.',
      },
      webhookTimeoutMs: { type: 'integer', minimum: 100, maximum: 10000, default: 2000 },
      baselineTtlDays: { type: 'integer', minimum: 1, default: 30 },
    },
    additionalProperties: false,
  },
  input: INPUT,
  async handler(message, ctx) {
    const o = ctx.options;
    const tiers = (o.tiers as readonly Tier[] | undefined) ?? DEFAULT_TIERS;
    const b = plainJson(message.payload) as typeof message.payload.value;
    const alpha = o.alpha ?? 0.2;
    const consumer = b.consumer.consumerKey ?? b.consumer.applicationId ?? 'unknown';
    const key = `rate-advice:${b.api.name}:${b.api.version ?? ''}:${consumer}`;
    const history = (b.metrics?.requestsPerMinute ?? []).map(Number);
    const current = b.request?.requestsLastMinute !== undefined ? Number(b.request.requestsLastMinute) : history.at(-1);
    let baseline =
      (await loadBaseline(ctx.store, key)) ??
      fromHistory(b.request?.requestsLastMinute !== undefined ? history : history.slice(0, -1), alpha);
    const z = current === undefined || !baseline ? 0 : zScore(baseline, current);
    const spike = z >= (o.spikeZ ?? 4);
    if (current !== undefined && !spike) baseline = update(baseline, current, alpha);
    if (baseline) await saveBaseline(ctx.store, key, baseline, (o.baselineTtlDays ?? 30) * 86_400_000);

    const mean = baseline?.mean ?? current ?? 0;
    const sd = Math.sqrt(baseline?.variance ?? 0);
    const needed = Math.ceil((mean + 3 * sd) * (o.headroom ?? 1.2));
    const fitting = tiers.filter((t) => t.requestsPerMin >= needed);
    const recommended = fitting.length > 0 ? fitting[fitting.length - 1]! : tiers[0]!;
    const currentIndex = tiers.findIndex((t) => t.name.toLowerCase() === b.consumer.tier.toLowerCase());
    const recommendedIndex = tiers.indexOf(recommended);
    const downgrade = currentIndex >= 0 ? recommendedIndex - currentIndex : 0;
    const reason = spike
      ? `A spike (${current} requests/min, z=${z.toFixed(1)}) was left out of the baseline; ${recommended.name} covers the usual ${Math.round(mean)} ± ${Math.round(sd)} requests/min.`
      : `${recommended.name} covers ${Math.round(mean)} ± ${Math.round(sd)} requests/min with ${Math.round(((o.headroom ?? 1.2) - 1) * 100)} % headroom.`;
    let note: string | undefined;
    if (downgrade >= 2) {
      const text = `Rate-limit review: ${consumer} on ${b.api.name} ${b.api.version ?? ''} is on ${b.consumer.tier}; usage suggests ${recommended.name} (${downgrade} tiers lower). ${reason}`;
      note = o.webhookUrl
        ? await notify(ctx, o.webhookUrl, o.webhookTimeoutMs ?? 2000, text)
        : 'webhook: not configured';
    }
    return proceed({
      json: {
        tier: recommended.name,
        requestsPerMin: needed,
        reason,
        currentTier: b.consumer.tier,
        review: downgrade >= 2,
        baseline: {
          mean: Math.round(mean * 10) / 10,
          stddev: Math.round(sd * 10) / 10,
          z: Math.round(z * 100) / 100,
          samples: baseline?.n ?? 0,
        },
      },
      contentType: 'application/json',
      ...(note ? { note } : {}),
    });
  },
});
