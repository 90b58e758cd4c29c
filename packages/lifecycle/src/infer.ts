/**
 * @fileoverview An OpenAPI 3.1 document inferred from observed calls: paths templated
 * (`/orders/{orderId}`, not one path per id), methods, path and query parameters with types, request
 * and response schemas per status and media type merged over every sample, summaries in plain words.
 */
import { Shape, type JsonSchema } from './schema';
import type { Observation } from './traffic';

export interface InferOptions {
  title?: string;
  version?: string;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  tags?: { name: string; description?: string }[];
  [k: string]: unknown;
}

export interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema; example?: unknown }> };
  responses: Record<
    string,
    { description: string; content?: Record<string, { schema: JsonSchema; example?: unknown }> }
  >;
  [k: string]: unknown;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query';
  required?: boolean;
  schema: JsonSchema;
  description?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A segment that is an identifier: digits, a UUID, a long hex run, or a code with digits (`C-889`, `ORD-2026-000123`). */
function idLike(seg: string): boolean {
  return (
    /^\d+$/.test(seg) ||
    UUID.test(seg) ||
    /^[0-9a-f]{12,}$/i.test(seg) ||
    (/\d/.test(seg) && /^[A-Za-z0-9][A-Za-z0-9_.~-]{2,}$/.test(seg) && !/^v\d+(\.\d+)*$/i.test(seg)) ||
    /^[^@/]+@[^@/]+\.[a-z]{2,}$/i.test(seg)
  );
}

const singular = (w: string): string =>
  w.endsWith('ies') ? `${w.slice(0, -3)}y` : w.endsWith('ses') ? w.slice(0, -2) : w.endsWith('s') ? w.slice(0, -1) : w;
const camel = (w: string): string => w.replace(/[-_.\s]+([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());

/**
 * Templates for the observed paths: identifier-like segments become parameters, and so does a
 * position where one parent path shows many different literal segments (five or more, each seen
 * with the same continuation). Returns a function from a concrete path to its template.
 */
export function pathTemplater(paths: readonly string[]): (path: string) => string {
  const split = (p: string): string[] => p.split('/').filter((s) => s !== '');
  // per parent prefix (already templated) and depth: the distinct literal segments seen there
  const children = new Map<string, Set<string>>();
  const base = (segs: string[]): string[] => segs.map((s) => (idLike(s) ? '*' : s));
  for (const p of paths) {
    const segs = base(split(p));
    for (let i = 0; i < segs.length; i++) {
      const key = `${segs.slice(0, i).join('/')}#${segs.length}`;
      let set = children.get(key);
      if (!set) children.set(key, (set = new Set()));
      if (set.size <= 64) set.add(segs[i]!);
    }
  }
  const cache = new Map<string, string>();
  return (path: string) => {
    let t = cache.get(path);
    if (t !== undefined) return t;
    const segs = base(split(path));
    const names: string[] = [];
    const out = segs.map((s, i) => {
      const many = (children.get(`${segs.slice(0, i).join('/')}#${segs.length}`)?.size ?? 0) >= 5 && i > 0;
      if (s !== '*' && !many) return s;
      const prev = i > 0 ? segs[i - 1]! : 'item';
      let name = `${camel(singular(prev === '*' ? 'item' : prev))}Id`;
      while (names.includes(name)) name = `${name}2`;
      names.push(name);
      return `{${name}}`;
    });
    t = `/${out.join('/')}`;
    // a single parameter is plainly `id` when it follows its collection (`/orders/{id}`)
    if (names.length === 1) t = t.replace(`{${names[0]}}`, '{id}');
    if (cache.size < 100_000) cache.set(path, t);
    return t;
  };
}

/** Matches a concrete path against a template; returns the parameter values or undefined. */
export function matchTemplate(template: string, path: string): Record<string, string> | undefined {
  const t = template.split('/').filter((s) => s !== '');
  const p = path.split('/').filter((s) => s !== '');
  if (t.length !== p.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const m = /^\{([^}]+)\}$/.exec(t[i]!);
    if (m) params[m[1]!] = p[i]!;
    else if (t[i] !== p[i]) return undefined;
  }
  return params;
}

const VERB: Record<string, string> = { GET: 'Get', POST: 'Create', PUT: 'Replace', PATCH: 'Update', DELETE: 'Delete' };

/** A plain summary: `List orders`, `Get an order`, `Create an order`, `Delete an item of an order`. */
export function summaryOf(method: string, template: string): string {
  const segs = template.split('/').filter((s) => s !== '');
  const last = segs[segs.length - 1] ?? '';
  const literal = [...segs].reverse().find((s) => !s.startsWith('{')) ?? 'resource';
  const words = literal.replace(/[-_]+/g, ' ');
  if (last.startsWith('{')) {
    const noun = singular(words);
    const article = /^[aeiou]/i.test(noun) ? 'an' : 'a';
    return `${VERB[method] ?? method} ${article} ${noun}`;
  }
  if (method === 'GET') return `List ${words}`;
  if (method === 'POST') return `Create ${/^[aeiou]/i.test(singular(words)) ? 'an' : 'a'} ${singular(words)}`;
  return `${VERB[method] ?? method} ${words}`;
}

const operationIdOf = (method: string, template: string): string =>
  camel(
    `${method.toLowerCase()}-${template
      .split('/')
      .filter((s) => s !== '')
      .map((s) => (s.startsWith('{') ? `by-${s.slice(1, -1)}` : s))
      .join('-')}`,
  );

interface OpStats {
  method: string;
  template: string;
  count: number;
  pathParams: Map<string, Shape>;
  query: Map<string, { shape: Shape; seen: number }>;
  request: Map<string, Shape>;
  requestCount: number;
  responses: Map<number, Map<string, Shape>>;
  statuses: Map<number, number>;
}

/** A value of a path or query parameter as the type it looks like. */
function scalar(v: string): unknown {
  if (/^-?\d{1,15}$/.test(v)) return Number(v);
  if (/^-?\d+\.\d+$/.test(v)) return Number(v);
  if (v === 'true' || v === 'false') return v === 'true';
  return v;
}

/** Infers the document from observations (HAR entries and analytics events together). */
export function inferSpec(observations: readonly Observation[], options: InferOptions = {}): OpenApiDocument {
  const templater = pathTemplater(observations.filter((o) => !o.templated).map((o) => o.path));
  const ops = new Map<string, OpStats>();
  const servers = new Map<string, number>();
  for (const o of observations) {
    if (o.server) servers.set(o.server, (servers.get(o.server) ?? 0) + 1);
    const template = o.templated ? o.path : templater(o.path);
    const key = `${o.method} ${template}`;
    let s = ops.get(key);
    if (!s) {
      s = {
        method: o.method,
        template,
        count: 0,
        pathParams: new Map(),
        query: new Map(),
        request: new Map(),
        requestCount: 0,
        responses: new Map(),
        statuses: new Map(),
      };
      ops.set(key, s);
    }
    s.count++;
    if (!o.templated) {
      for (const [name, value] of Object.entries(matchTemplate(template, o.path) ?? {})) {
        let p = s.pathParams.get(name);
        if (!p) s.pathParams.set(name, (p = new Shape()));
        p.add(scalar(value));
      }
    }
    for (const [name, values] of Object.entries(o.query)) {
      let q = s.query.get(name);
      if (!q) s.query.set(name, (q = { shape: new Shape(), seen: 0 }));
      q.seen++;
      for (const v of values) q.shape.add(scalar(v));
    }
    if (o.request) {
      s.requestCount++;
      let r = s.request.get(o.request.mediaType);
      if (!r) s.request.set(o.request.mediaType, (r = new Shape()));
      if (o.request.body !== undefined) r.add(o.request.body);
    }
    if (o.status > 0) {
      s.statuses.set(o.status, (s.statuses.get(o.status) ?? 0) + 1);
      if (o.response) {
        let byType = s.responses.get(o.status);
        if (!byType) s.responses.set(o.status, (byType = new Map()));
        let r = byType.get(o.response.mediaType);
        if (!r) byType.set(o.response.mediaType, (r = new Shape()));
        if (o.response.body !== undefined) r.add(o.response.body);
      }
    }
  }
  const paths: OpenApiDocument['paths'] = {};
  for (const s of [...ops.values()].sort((a, b) => (a.template < b.template ? -1 : a.template > b.template ? 1 : 0))) {
    const op: Operation = {
      operationId: operationIdOf(s.method, s.template),
      summary: summaryOf(s.method, s.template),
      responses: {},
    };
    const params: Parameter[] = [];
    for (const name of [...s.template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!)) {
      const shape = s.pathParams.get(name);
      const schema = shape && shape.count > 0 ? shape.toSchema() : { type: 'string' };
      delete schema.enum;
      params.push({ name, in: 'path', required: true, schema });
    }
    for (const [name, q] of [...s.query].sort(([a], [b]) => (a < b ? -1 : 1))) {
      params.push({ name, in: 'query', required: q.seen === s.count, schema: q.shape.toSchema() });
    }
    if (params.length > 0) op.parameters = params;
    if (s.request.size > 0) {
      op.requestBody = {
        required: s.requestCount === s.count,
        content: Object.fromEntries(
          [...s.request].map(([mt, shape]) => [mt, { schema: shape.count > 0 ? shape.toSchema() : {} }]),
        ),
      };
    }
    for (const [status] of [...s.statuses].sort(([a], [b]) => a - b)) {
      const byType = s.responses.get(status);
      op.responses[String(status)] = {
        description: STATUS_TEXT[status] ?? `HTTP ${status}`,
        ...(byType && byType.size > 0
          ? {
              content: Object.fromEntries(
                [...byType].map(([mt, shape]) => [mt, { schema: shape.count > 0 ? shape.toSchema() : {} }]),
              ),
            }
          : {}),
      };
    }
    if (Object.keys(op.responses).length === 0) op.responses.default = { description: 'No response was observed.' };
    (paths[s.template] ??= {})[s.method.toLowerCase()] = op;
  }
  const server = [...servers].sort((a, b) => b[1] - a[1])[0]?.[0];
  return {
    openapi: '3.1.0',
    info: {
      title: options.title ?? 'API inferred from traffic',
      version: options.version ?? '0.1.0',
      description: `Inferred by synapse-ai spec infer from ${observations.length} observed calls.`,
    },
    ...(server ? { servers: [{ url: server }] } : {}),
    paths,
  };
}

export const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
