/**
 * @fileoverview `anomaly`: flags credential stuffing, scraping, request and token bursts, and
 * attack payloads (SQL injection, script injection, path traversal, oversized or repeated fields)
 * in a stream of gateway analytics events. Per-consumer, per-minute counters and EWMA baselines live
 * in the sidecar store (shared by replicas with Redis); a minute is judged against the consumer's
 * own history and against absolute limits, so a burst counts from the first minute. Alerts go to a
 * webhook in the background, once per consumer, kind and incident window; `blockOn` turns chosen
 * kinds into a 403 for inline use.
 */
import { createHash } from 'node:crypto';
import { block, definePolicy, plainJson, proceed, type PolicyContext } from '@synapse-ai/sdk';
import { update, zScore, type Baseline } from '../baseline';
import { outboxFor } from '../outbox';

const METRICS = ['req', 'authfail', 'notfound', 'tokens', 'paths'] as const;
type Metric = (typeof METRICS)[number];
type Counts = Record<Metric, number>;

export type AnomalyType = 'credential_stuffing' | 'scraping' | 'request_burst' | 'token_burst' | 'payload_attack';
export const ANOMALY_TYPES: readonly AnomalyType[] = [
  'credential_stuffing',
  'scraping',
  'request_burst',
  'token_burst',
  'payload_attack',
];

export interface Anomaly {
  type: AnomalyType;
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
    path: { type: 'string', maxLength: 16384, description: 'The request path with its query string.' },
    promptTokens: { type: 'integer', minimum: 0 },
    completionTokens: { type: 'integer', minimum: 0 },
    payload: { description: 'The request body (text or JSON), when the event carries it: scanned, never stored.' },
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
  payload?: unknown;
}

/**
 * An event handler (`onerror=` …) inside a tag, or an iframe / svg / object / embed tag with a
 * source or handler: found by the attribute first and checked within 512 characters, so that the
 * work stays linear in the text (a regular expression spanning the tag backtracks on text full of
 * `<`).
 */
function scriptInTag(t: string): boolean {
  const handler = /\son(?:error|load|mouseover|focus|click)\s*=/gi;
  for (let m = handler.exec(t); m; m = handler.exec(t)) {
    // only the 512 characters before the attribute are looked at (a lookback to the start would be quadratic)
    const before = t.slice(Math.max(0, m.index - 512), m.index);
    const lt = before.lastIndexOf('<');
    if (lt >= 0 && !before.slice(lt).includes('>')) return true;
  }
  const tag = /<\s*(?:iframe|svg|object|embed)\b/gi;
  for (let m = tag.exec(t); m; m = tag.exec(t)) {
    const rest = t.slice(m.index, m.index + 512);
    const close = rest.indexOf('>');
    if (/\b(?:src|onload|data)\s*=/i.test(close < 0 ? rest : rest.slice(0, close))) return true;
  }
  return false;
}

/** Attack patterns in paths, query strings and payloads (what a WAF's core rules look for first). */
const PATTERNS: readonly { kind: string; re: RegExp; test?: (text: string) => boolean }[] = [
  {
    kind: 'SQL injection',
    re: /(?:'|")\s*(?:or|and)\s+(?:'?\w+'?\s*(?:=|like)\s*'?\w+'?|\d+\s*=\s*\d+)|\bunion\b(?:\s+all)?\s+select\b|;\s*(?:drop|delete|truncate|alter)\s+table\b|\b(?:sleep|benchmark|pg_sleep)\s*\(\s*\d|\bor\s+1\s*=\s*1\b|'\s*;?\s*--/i,
  },
  { kind: 'script injection', re: /<\s*script\b|\bjavascript\s*:/i, test: scriptInTag },
  {
    // encoded dot-dot, two levels or more, or one level into a system file: one "../" in prose is not an attack
    kind: 'path traversal',
    re: /(?:%2e%2e|%252e%252e|\.\.%2f|\.\.%5c)|(?:\.\.[/\\]){2,}|\.\.[/\\](?:etc|proc|windows|winnt|boot\.ini|\.ssh|\.env)\b/i,
  },
];

/** What an event's path and payload carry that looks like an attack (bounded work per event). */
export function payloadFindings(
  e: { path?: string; payload?: unknown },
  limits: { maxFieldLength: number; maxRepeats: number },
): string[] {
  const found = new Set<string>();
  let budget = 65_536;
  const scan = (text: string): void => {
    if (budget <= 0) return;
    const part = text.length > budget ? text.slice(0, budget) : text;
    budget -= part.length;
    let decoded = part;
    try {
      decoded = decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      // not URL-encoded: as it is
    }
    for (const p of PATTERNS)
      if (
        p.re.test(part) ||
        (decoded !== part && p.re.test(decoded)) ||
        (p.test !== undefined && (p.test(part) || (decoded !== part && p.test(decoded))))
      )
        found.add(p.kind);
  };
  if (e.path) {
    scan(e.path);
    const q = e.path.indexOf('?');
    if (q >= 0) {
      const names = new Map<string, number>();
      for (const pair of e.path.slice(q + 1).split('&')) {
        const n = pair.split('=')[0] ?? '';
        names.set(n, (names.get(n) ?? 0) + 1);
      }
      if ([...names.values()].some((n) => n > limits.maxRepeats)) found.add('repeated fields');
    }
  }
  const walk = (v: unknown, depth: number): void => {
    if (budget <= 0 || depth > 64) return;
    if (typeof v === 'string') {
      if (v.length > limits.maxFieldLength) found.add('oversized field');
      scan(v);
    } else if (Array.isArray(v)) {
      if (v.length > limits.maxRepeats) found.add('repeated fields');
      for (const x of v.slice(0, 1000)) walk(x, depth + 1);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as object).slice(0, 1000)) {
        scan(k);
        walk(x, depth + 1);
      }
    }
  };
  walk(e.payload, 0);
  return [...found];
}

interface Options {
  minAuthFailures?: number;
  minRequests?: number;
  minTokens?: number;
  maxTokensPerMinute?: number;
  maxRequestsPerMinute?: number;
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
  const reqZ = z('req');
  if (c.req >= (o.maxRequestsPerMinute ?? 1200) || (c.req >= (o.minRequests ?? 60) && reqZ >= zMin)) {
    out.push({
      type: 'request_burst',
      consumerKey: consumer,
      minute,
      score: clamp(c.req >= (o.maxRequestsPerMinute ?? 1200) ? 0.8 : 0.6 + reqZ / 20),
      reason: `${c.req} requests this minute${b.req ? ` against a usual ${Math.round(b.req.mean)}` : ''}`,
    });
  }
  const tokenZ = z('tokens');
  if (c.tokens >= (o.maxTokensPerMinute ?? 50_000) || (c.tokens >= (o.minTokens ?? 10_000) && tokenZ >= zMin)) {
    out.push({
      type: 'token_burst',
      consumerKey: consumer,
      minute,
      score: clamp(c.tokens >= (o.maxTokensPerMinute ?? 50_000) ? Math.max(0.8, 0.6 + tokenZ / 20) : 0.6 + tokenZ / 20),
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
        default: 50000,
        description: 'Tokens in a minute that are a burst whatever the history (from the first minute).',
      },
      maxRequestsPerMinute: {
        type: 'integer',
        minimum: 1,
        default: 1200,
        description: 'Requests in a minute that are a burst whatever the history (from the first minute).',
      },
      maxFieldLength: {
        type: 'integer',
        minimum: 1,
        default: 10000,
        description: 'A payload string longer than this is an oversized field.',
      },
      maxRepeats: {
        type: 'integer',
        minimum: 1,
        default: 1000,
        description: 'An array with more items, or a query parameter given more often, is a repeated field.',
      },
      webhookUrl: {
        type: 'string',
        pattern: '^https?://',
        description: 'Slack-compatible webhook (JSON with text and the anomalies) for security teams.',
      },
      alertWindowMinutes: {
        type: 'integer',
        minimum: 1,
        default: 15,
        description: 'One alert per consumer and kind of anomaly within this window (an incident).',
      },
      blockOn: {
        type: 'array',
        items: { enum: ANOMALY_TYPES },
        uniqueItems: true,
        default: [],
        description: 'Kinds that answer 403 (for inline use in a gateway flow) instead of a report.',
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
    const attacks: { consumerKey: string; minute: string; kinds: string[]; count: number }[] = [];
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
      const findings = payloadFindings(e, {
        maxFieldLength: ctx.options.maxFieldLength ?? 10000,
        maxRepeats: ctx.options.maxRepeats ?? 1000,
      });
      if (findings.length > 0) {
        const minuteText = new Date(minute * 60_000).toISOString().slice(0, 16) + 'Z';
        let known = attacks.find((a) => a.consumerKey === e.consumerKey && a.minute === minuteText);
        if (!known) attacks.push((known = { consumerKey: e.consumerKey, minute: minuteText, kinds: [], count: 0 }));
        known.kinds = [...new Set([...known.kinds, ...findings])];
        known.count++;
      }
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
    for (const a of attacks)
      anomalies.push({
        type: 'payload_attack',
        consumerKey: a.consumerKey,
        minute: a.minute,
        score: clamp(0.7 + 0.1 * a.kinds.length),
        reason: `${a.count} request${a.count === 1 ? '' : 's'} with ${a.kinds.join(', ')}`,
      });
    const notes: string[] = [];
    if (anomalies.length > 0) {
      ctx.logger.warn('anomalies', { anomalies: anomalies.map((a) => `${a.type}:${a.consumerKey}`) });
      notes.push(`flagged ${[...new Set(anomalies.map((a) => a.type))].join(',')}`);
    }
    // one alert per consumer and kind in an incident window, whichever replica sees it first
    if (ctx.options.webhookUrl && anomalies.length > 0) {
      const fresh: Anomaly[] = [];
      for (const a of anomalies)
        if (
          await ctx.store.setIfAbsent(
            `anomaly:alert:${a.consumerKey}:${a.type}`,
            a.minute,
            (ctx.options.alertWindowMinutes ?? 15) * 60_000,
          )
        )
          fresh.push(a);
      if (fresh.length > 0) {
        const text = `Anomaly alert: ${fresh.map((a) => `${a.type.replace('_', ' ')} by ${a.consumerKey} at ${a.minute} (score ${a.score}): ${a.reason}`).join('; ')}.`;
        const queued = outboxFor(
          { url: ctx.options.webhookUrl, attempts: 3, queue: 1000 },
          ctx,
          'anomaly alert webhook',
        ).offer(JSON.stringify({ text, anomalies: fresh }));
        notes.push(queued ? `alert: queued (${fresh.length})` : 'alert: dropped (queue full)');
      } else notes.push('alert: already sent for this incident');
    }
    const blocking = anomalies.filter((a) => (ctx.options.blockOn ?? []).includes(a.type));
    if (blocking.length > 0)
      return block('SAI_ERR_POLICY_BLOCKED', 'The request was blocked by a security policy.', {
        status: 403,
        logDetail: { anomalies: blocking.map((a) => `${a.type}:${a.consumerKey}`) },
      });
    return proceed({
      json: { anomalies, events: events.length } as never,
      contentType: 'application/json',
      ...(notes.length > 0 ? { note: notes.join(', ') } : {}),
      aiDecision: {
        inputSha256: createHash('sha256').update(JSON.stringify(body)).digest('hex'),
        decision: anomalies.length > 0 ? `flagged ${[...new Set(anomalies.map((a) => a.type))].join(',')}` : 'clear',
        score: anomalies.reduce((m, a) => Math.max(m, a.score), 0),
        model: 'deterministic',
        confidence: 1,
      },
    });
  },
});
