/**
 * @fileoverview `anomaly`: flags credential stuffing, scraping and sudden token-heavy bursts from a
 * stream of gateway analytics events. Per-consumer, per-minute counters and EWMA baselines live in
 * the sidecar store (shared by replicas with Redis); a minute is judged against the consumer's own
 * history, with absolute floors so that a new consumer is judged too.
 */
import { createHash } from 'node:crypto';
import { definePolicy, plainJson, proceed, type PolicyContext } from '@synapse-ai/sdk';
import { update, zScore, type Baseline } from '../baseline';

const METRICS = ['req', 'authfail', 'notfound', 'tokens', 'paths'] as const;
type Metric = (typeof METRICS)[number];
type Counts = Record<Metric, number>;

export interface Anomaly {
  type: 'credential_stuffing' | 'scraping' | 'token_burst';
  consumerKey: string;
  minute: string;
  score: number;
  reason: string;
}

const EVENT = {
  type: 'object',
  properties: {
    consumerKey: { type: 'string', minLength: 1, maxLength: 256 },
    ip: { type: 'string', maxLength: 64 },
    timestamp: { type: ['string', 'number'] },
    status: { type: 'integer', minimum: 100, maximum: 599 },
    path: { type: 'string', maxLength: 2048 },
    promptTokens: { type: 'integer', minimum: 0 },
    completionTokens: { type: 'integer', minimum: 0 },
  },
  required: ['consumerKey', 'status'],
} as const;

interface Event {
  consumerKey: string;
  ip?: string;
  timestamp?: string | number;
  status: number;
  path?: string;
  promptTokens?: number;
  completionTokens?: number;
}

interface Options {
  minAuthFailures?: number;
  minRequests?: number;
  minTokens?: number;
  maxTokensPerMinute?: number;
  z?: number;
  alpha?: number;
}

const minuteOf = (ms: number): number => Math.floor(ms / 60_000);
const clamp = (x: number): number => Math.round(Math.min(1, Math.max(0, x)) * 100) / 100;

async function counts(ctx: PolicyContext<unknown>, consumer: string, minute: number): Promise<Counts> {
  const out = {} as Counts;
  for (const m of METRICS) out[m] = Number((await ctx.store.get(`anomaly:${consumer}:${minute}:${m}`)) ?? '0');
  return out;
}

/** Folds finished minutes (zero-filled, at most 10) into the consumer's baselines. */
async function fold(
  ctx: PolicyContext<unknown>,
  consumer: string,
  minute: number,
  alpha: number,
): Promise<Record<Metric, Baseline | undefined>> {
  const key = `anomaly:${consumer}:base`;
  const raw = await ctx.store.get(key);
  const state = raw ? (JSON.parse(raw) as { minute: number; b: Partial<Record<Metric, Baseline>> }) : { minute, b: {} };
  const b: Record<Metric, Baseline | undefined> = {
    req: state.b.req,
    authfail: state.b.authfail,
    notfound: state.b.notfound,
    tokens: state.b.tokens,
    paths: state.b.paths,
  };
  if (minute > state.minute) {
    for (let m = Math.max(state.minute, minute - 10); m < minute; m++) {
      const c = await counts(ctx, consumer, m);
      for (const k of METRICS) b[k] = update(b[k], c[k], alpha);
    }
    await ctx.store.set(key, JSON.stringify({ minute, b }), 7 * 86_400_000);
  } else if (!raw) await ctx.store.set(key, JSON.stringify({ minute, b }), 7 * 86_400_000);
  return b;
}

export function judge(
  consumer: string,
  minute: string,
  c: Counts,
  b: Record<Metric, Baseline | undefined>,
  o: Options,
): Anomaly[] {
  const out: Anomaly[] = [];
  const zMin = o.z ?? 4;
  const z = (k: Metric): number => (b[k] ? zScore(b[k]!, c[k], 5) : 0);
  const failShare = c.req > 0 ? c.authfail / c.req : 0;
  if (c.authfail >= (o.minAuthFailures ?? 20) && (failShare >= 0.5 || z('authfail') >= zMin)) {
    out.push({
      type: 'credential_stuffing',
      consumerKey: consumer,
      minute,
      score: clamp(0.5 + failShare / 2),
      reason: `${c.authfail} failed logins of ${c.req} requests this minute (${Math.round(failShare * 100)} %)`,
    });
  }
  const distinctShare = c.req > 0 ? c.paths / c.req : 0;
  const notFoundShare = c.req > 0 ? c.notfound / c.req : 0;
  if (
    c.req >= (o.minRequests ?? 60) &&
    ((distinctShare >= 0.8 && notFoundShare >= 0.3) || (z('req') >= zMin && distinctShare >= 0.5))
  ) {
    out.push({
      type: 'scraping',
      consumerKey: consumer,
      minute,
      score: clamp((distinctShare + notFoundShare) / 2 + (z('req') >= zMin ? 0.3 : 0)),
      reason: `${c.req} requests to ${c.paths} distinct paths this minute, ${Math.round(notFoundShare * 100)} % not found`,
    });
  }
  const tokenZ = z('tokens');
  if (
    (o.maxTokensPerMinute !== undefined && c.tokens >= o.maxTokensPerMinute) ||
    (c.tokens >= (o.minTokens ?? 10_000) && tokenZ >= zMin)
  ) {
    out.push({
      type: 'token_burst',
      consumerKey: consumer,
      minute,
      score: clamp(0.6 + tokenZ / 20),
      reason: `${c.tokens} tokens this minute${b.tokens ? ` against a usual ${Math.round(b.tokens.mean)}` : ''}`,
    });
  }
  return out;
}

export default definePolicy({
  meta: {
    name: 'anomaly',
    version: '1.0.0',
    description:
      'Flags credential stuffing, scraping and token-heavy bursts from gateway analytics events, with per-consumer baselines.',
    flows: ['request'],
    stage: 'ai',
    priority: 400,
  },
  options: {
    type: 'object',
    properties: {
      minAuthFailures: {
        type: 'integer',
        minimum: 1,
        default: 20,
        description: 'Failed logins (401/403) in a minute before stuffing is considered.',
      },
      minRequests: {
        type: 'integer',
        minimum: 1,
        default: 60,
        description: 'Requests in a minute before scraping is considered.',
      },
      minTokens: {
        type: 'integer',
        minimum: 1,
        default: 10000,
        description: 'Tokens in a minute before a burst is considered.',
      },
      maxTokensPerMinute: {
        type: 'integer',
        minimum: 1,
        description: 'Tokens in a minute that are a burst whatever the history.',
      },
      z: {
        type: 'number',
        minimum: 1,
        default: 4,
        description: 'z-score against the consumer’s baseline that counts as unusual.',
      },
      alpha: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.1 },
    },
    additionalProperties: false,
  },
  input: {
    oneOf: [
      EVENT,
      { type: 'array', items: EVENT, maxItems: 10000 },
      {
        type: 'object',
        properties: { events: { type: 'array', items: EVENT, maxItems: 10000 } },
        required: ['events'],
      },
    ],
  },
  async handler(message, ctx) {
    const o = ctx.options as Options;
    const body = plainJson(message.payload);
    const events = (Array.isArray(body) ? body : ((body as { events?: unknown[] }).events ?? [body])) as Event[];
    // Count in memory first: one store increment per consumer, minute and metric, however many
    // events the batch carries.
    const buckets = new Map<string, { consumer: string; minute: number; counts: Counts; paths: Set<string> }>();
    const touched = new Map<string, number>();
    for (const e of events) {
      const ms =
        e.timestamp === undefined
          ? ctx.clock.now()
          : typeof e.timestamp === 'number'
            ? e.timestamp
            : Date.parse(e.timestamp);
      const minute = minuteOf(Number.isNaN(ms) ? ctx.clock.now() : ms);
      const id = `${e.consumerKey}\u0000${minute}`;
      let b = buckets.get(id);
      if (!b)
        buckets.set(
          id,
          (b = {
            consumer: e.consumerKey,
            minute,
            counts: { req: 0, authfail: 0, notfound: 0, tokens: 0, paths: 0 },
            paths: new Set(),
          }),
        );
      b.counts.req++;
      if (e.status === 401 || e.status === 403) b.counts.authfail++;
      if (e.status === 404) b.counts.notfound++;
      b.counts.tokens += (e.promptTokens ?? 0) + (e.completionTokens ?? 0);
      if (e.path) b.paths.add(e.path);
      touched.set(e.consumerKey, Math.max(touched.get(e.consumerKey) ?? 0, minute));
    }
    const ttl = 15 * 60_000;
    for (const b of buckets.values()) {
      const base = `anomaly:${b.consumer}:${b.minute}`;
      for (const m of ['req', 'authfail', 'notfound', 'tokens'] as const) {
        if (b.counts[m] > 0) await ctx.store.incr(`${base}:${m}`, b.counts[m], ttl);
      }
      // distinct paths: a marker per path (hashed), counted the first time it is set
      for (const path of b.paths) {
        const h = createHash('sha1').update(path).digest('base64url').slice(0, 16);
        if ((await ctx.store.incr(`${base}:p:${h}`, 1, ttl)) === 1) await ctx.store.incr(`${base}:paths`, 1, ttl);
      }
    }
    const anomalies: Anomaly[] = [];
    for (const [consumer, minute] of touched) {
      const b = await fold(ctx, consumer, minute, o.alpha ?? 0.1);
      const c = await counts(ctx, consumer, minute);
      anomalies.push(...judge(consumer, new Date(minute * 60_000).toISOString().slice(0, 16) + 'Z', c, b, o));
    }
    if (anomalies.length > 0)
      ctx.logger.warn('anomalies', { anomalies: anomalies.map((a) => `${a.type}:${a.consumerKey}`) });
    return proceed({
      json: { anomalies, events: events.length } as never,
      contentType: 'application/json',
      ...(anomalies.length > 0 ? { note: `flagged ${[...new Set(anomalies.map((a) => a.type))].join(',')}` } : {}),
    });
  },
});
