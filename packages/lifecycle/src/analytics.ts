/**
 * @fileoverview Plain-language questions about metered usage as a structured query over the usage
 * store: allow-listed dimensions and measures, a time range, top-N and group-by. A deterministic
 * parser handles the common forms; a model may translate the rest, but only into {@link UsageQuery}
 * (checked with {@link checkQuery}). The query is answered from the sidecar's `/v1/usage` breakdown.
 */

export const DIMENSIONS = ['application', 'api', 'model', 'day', 'tier'] as const;
export const MEASURES = ['totalTokens', 'promptTokens', 'completionTokens', 'costUsd', 'calls', 'cacheHits'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export type Measure = (typeof MEASURES)[number];

export interface UsageQuery {
  measure: Measure;
  groupBy: Dimension[];
  /** UTC days, inclusive. */
  from: string;
  to: string;
  /** The largest N groups (all when absent). */
  top?: number;
  order: 'desc' | 'asc';
  /** Filters by dimension value. */
  where?: Partial<Record<Exclude<Dimension, 'day'>, string>>;
}

export class QueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

const day = (d: Date): string => d.toISOString().slice(0, 10);
const addDays = (d: Date, n: number): Date => new Date(d.getTime() + n * 86_400_000);

/** The time range a question names (`today`, `yesterday`, `this week`, `last 7 days`, `last month`, `in 2026-11`, `from … to …`). */
function rangeOf(q: string, now: Date): { from: string; to: string } | undefined {
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  let m: RegExpExecArray | null;
  if ((m = /\bfrom (\d{4}-\d{2}-\d{2}) (?:to|until|through) (\d{4}-\d{2}-\d{2})\b/.exec(q)))
    return { from: m[1]!, to: m[2]! };
  if ((m = /\bon (\d{4}-\d{2}-\d{2})\b/.exec(q))) return { from: m[1]!, to: m[1]! };
  if ((m = /\bin (\d{4})-(\d{2})\b/.exec(q))) {
    const start = new Date(Date.UTC(+m[1]!, +m[2]! - 1, 1));
    return { from: day(start), to: day(addDays(new Date(Date.UTC(+m[1]!, +m[2]!, 1)), -1)) };
  }
  if (/\btoday\b/.test(q)) return { from: day(today), to: day(today) };
  if (/\byesterday\b/.test(q)) return { from: day(addDays(today, -1)), to: day(addDays(today, -1)) };
  if ((m = /\b(?:last|past) (\d{1,3}) days?\b/.exec(q)))
    return { from: day(addDays(today, 1 - +m[1]!)), to: day(today) };
  const monday = addDays(today, -((today.getUTCDay() + 6) % 7));
  if (/\bthis week\b/.test(q)) return { from: day(monday), to: day(today) };
  if (/\blast week\b/.test(q)) return { from: day(addDays(monday, -7)), to: day(addDays(monday, -1)) };
  const first = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1));
  if (/\bthis month\b/.test(q)) return { from: day(first), to: day(today) };
  if (/\blast month\b/.test(q)) {
    const prev = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 1));
    return { from: day(prev), to: day(addDays(first, -1)) };
  }
  return undefined;
}

const MEASURE_WORDS: [RegExp, Measure][] = [
  [/\bprompt tokens?\b|\binput tokens?\b/, 'promptTokens'],
  [/\bcompletion tokens?\b|\boutput tokens?\b/, 'completionTokens'],
  [/\btokens?\b/, 'totalTokens'],
  [/\bcost\b|\bspen[dt]\b|\bspending\b|\bdollars?\b|\busd\b|\$|\bexpensive\b|\bbill/, 'costUsd'],
  [/\bcache hits?\b|\bcached\b/, 'cacheHits'],
  [/\bcalls?\b|\brequests?\b|\bbusiest\b|\bmost used\b/, 'calls'],
];
const DIMENSION_WORDS: [RegExp, Dimension][] = [
  [/\bapplications?\b|\bapps?\b|\bconsumers?\b/, 'application'],
  [/\bapis?\b/, 'api'],
  [/\bmodels?\b/, 'model'],
  [/\btiers?\b|\bsubscription plans?\b/, 'tier'],
  [/\bdays?\b|\bdaily\b|\bper day\b|\bby day\b/, 'day'],
];

/**
 * The deterministic reading of a question. @throws {QueryError} saying what it could not read and
 * how to ask instead
 */
export function parseQuestion(question: string, now = new Date()): UsageQuery {
  const q = question.toLowerCase();
  const measure = MEASURE_WORDS.find(([re]) => re.test(q))?.[1];
  if (!measure)
    throw new QueryError(
      `the question names no measure: ask about tokens, prompt or completion tokens, cost, calls or cache hits.`,
    );
  const range = rangeOf(q, now);
  if (!range)
    throw new QueryError(
      'the question names no time range: say today, yesterday, this week, last week, this month, last month, last N days, in YYYY-MM, on YYYY-MM-DD or from YYYY-MM-DD to YYYY-MM-DD.',
    );
  // "per day" / "by day" group by day; a range word like "today" does not
  const groupBy = DIMENSION_WORDS.filter(([re, d]) =>
    re.test(d === 'day' ? q.replace(/\b(?:last|past) \d+ days?\b/g, '') : q),
  ).map(([, d]) => d);
  const topMatch = /\btop (\d{1,3})\b/.exec(q);
  const single =
    /\bwhich (?:one|application|app|api|model|tier)\b|\bthe most\b|\bthe least\b|\bhighest\b|\blowest\b/.test(q);
  const plural = /\bwhich (?:applications|apps|apis|models|tiers)\b/.test(q);
  const order: 'desc' | 'asc' = /\bleast\b|\blowest\b|\bfewest\b|\bcheapest\b/.test(q) ? 'asc' : 'desc';
  const query: UsageQuery = { measure, groupBy, ...range, order };
  if (topMatch) query.top = +topMatch[1]!;
  else if (single && !plural && groupBy.length > 0) query.top = 1;
  else if (plural) query.top = 10;
  const where: UsageQuery['where'] = {};
  for (const d of ['application', 'api', 'model', 'tier'] as const) {
    const m = new RegExp(`\\b(?:for|of|by|on) (?:the )?${d} ["']?([\\w.:/-]+)["']?`).exec(q);
    if (m) where[d] = question.slice(m.index).match(new RegExp(`${d} ["']?([\\w.:/-]+)`, 'i'))![1]!;
  }
  if (Object.keys(where).length > 0) query.where = where;
  return checkQuery(query);
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Checks a query (the parser's or a model's) against the allow-lists. @throws {QueryError} */
export function checkQuery(q: unknown): UsageQuery {
  const x = q as Partial<UsageQuery> | null;
  if (!x || typeof x !== 'object') throw new QueryError('the query must be an object');
  if (!MEASURES.includes(x.measure as Measure)) throw new QueryError(`measure must be one of ${MEASURES.join(', ')}`);
  if (!Array.isArray(x.groupBy) || x.groupBy.some((d) => !DIMENSIONS.includes(d as Dimension)))
    throw new QueryError(`groupBy takes ${DIMENSIONS.join(', ')}`);
  if (!DAY_RE.test(String(x.from)) || !DAY_RE.test(String(x.to)) || String(x.from) > String(x.to))
    throw new QueryError('from and to are UTC days (YYYY-MM-DD), from not after to');
  if (x.top !== undefined && (!Number.isInteger(x.top) || x.top < 1 || x.top > 1000))
    throw new QueryError('top is a whole number from 1 to 1000');
  if (x.order !== 'asc' && x.order !== 'desc') throw new QueryError('order is asc or desc');
  for (const [k, v] of Object.entries(x.where ?? {}))
    if (!['application', 'api', 'model', 'tier'].includes(k) || typeof v !== 'string' || v === '')
      throw new QueryError(`where filters application, api, model or tier by a value (got ${k})`);
  const extra = Object.keys(x).filter(
    (k) => !['measure', 'groupBy', 'from', 'to', 'top', 'order', 'where'].includes(k),
  );
  if (extra.length > 0) throw new QueryError(`the query has fields it may not have: ${extra.join(', ')}`);
  return x as UsageQuery;
}

export interface UsageRowLike {
  [k: string]: string | number | undefined;
}

/** The `/v1/usage` query string for a query (the breakdown with its group-by and filters). */
export function usageParams(tenant: string, q: UsageQuery): URLSearchParams {
  const p = new URLSearchParams({ tenant, from: q.from, to: q.to, groupBy: q.groupBy.join(',') });
  for (const [k, v] of Object.entries(q.where ?? {})) p.set(k, v!);
  return p;
}

/** Orders and cuts the breakdown rows as the query asks; keeps the group columns and the measure. */
export function answerRows(q: UsageQuery, rows: readonly UsageRowLike[]): UsageRowLike[] {
  const sorted = [...rows].sort((a, b) =>
    q.order === 'desc'
      ? Number(b[q.measure] ?? 0) - Number(a[q.measure] ?? 0)
      : Number(a[q.measure] ?? 0) - Number(b[q.measure] ?? 0),
  );
  const cut = q.top === undefined ? sorted : sorted.slice(0, q.top);
  return cut.map((r) => Object.fromEntries([...q.groupBy.map((d) => [d, r[d]]), [q.measure, r[q.measure]]]));
}

/** The query in words, shown before the answer. */
export function describeQuery(q: UsageQuery): string {
  const by = q.groupBy.length > 0 ? ` by ${q.groupBy.join(', ')}` : '';
  const top = q.top !== undefined ? `, ${q.order === 'desc' ? 'top' : 'bottom'} ${q.top}` : '';
  const where = Object.entries(q.where ?? {})
    .map(([k, v]) => ` ${k}=${v}`)
    .join('');
  return `${q.measure}${by} from ${q.from} to ${q.to}${where}${top}`;
}
