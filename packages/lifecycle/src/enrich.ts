/**
 * @fileoverview Documentation drafts, tags and initial quotas, deterministic (a model may improve
 * wording or choose among the same candidates, never add to them):
 * - {@link draftDocs}: summaries, descriptions and example requests and responses, generated from
 *   the schemas, for operations that lack them; {@link markdownPage} writes the result as a page.
 * - {@link suggestTags}: categories and tags from a taxonomy, by keyword and path scoring.
 * - {@link suggestTier}: an initial subscription tier for a new application from the usage of
 *   applications with the same role or tenant.
 */
import { summaryOf, STATUS_TEXT, type OpenApiDocument, type Operation } from './infer';
import type { JsonSchema } from './schema';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** An example value made from a schema alone (formats, enums, types): no sample data. */
export function exampleOf(schema: JsonSchema | undefined, name = '', depth = 0): unknown {
  if (!schema || depth > 12) return null;
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type ?? (schema.properties ? 'object' : schema.items ? 'array' : undefined)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(schema.properties ?? {})) out[k] = exampleOf(v, k, depth + 1);
      return out;
    }
    case 'array':
      return [exampleOf(schema.items, name, depth + 1)];
    case 'integer':
      return /count|qty|quantity/i.test(name) ? 1 : /id$/i.test(name) ? 1001 : 1;
    case 'number':
      return /price|amount|total|cost/i.test(name) ? 19.99 : 1.5;
    case 'boolean':
      return true;
    case 'string':
      switch (schema.format) {
        case 'date-time':
          return '2026-01-15T09:30:00Z';
        case 'date':
          return '2026-01-15';
        case 'uuid':
          return '3fa85f64-5717-4562-b3fc-2c963f66afa6';
        case 'email':
          return 'user@example.com';
        case 'uri':
          return 'https://example.com/resource';
        case 'ipv4':
          return '192.0.2.1';
        default:
          return name ? `example ${name}` : 'string';
      }
    case 'null':
      return null;
    default:
      return null;
  }
}

export interface DocsChange {
  operation: string;
  added: string[];
}

/** Fills in what operations lack (summary, description, examples); returns the changes made. */
export function draftDocs(doc: OpenApiDocument): DocsChange[] {
  const changes: DocsChange[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (!op) continue;
      const added: string[] = [];
      if (!op.summary) {
        op.summary = summaryOf(method.toUpperCase(), path);
        added.push('summary');
      }
      if (!op.description) {
        const params = (op.parameters ?? []).map((p) => `\`${p.name}\` (${p.in}${p.required ? ', required' : ''})`);
        const statuses = Object.keys(op.responses ?? {}).map((s) => `${s} ${STATUS_TEXT[Number(s)] ?? ''}`.trim());
        op.description = `${op.summary}.${params.length > 0 ? ` Takes ${params.join(', ')}.` : ''}${statuses.length > 0 ? ` Answers ${statuses.join(', ')}.` : ''}`;
        added.push('description');
      }
      for (const p of op.parameters ?? [])
        if (!p.description) {
          p.description = `The ${p.name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}.`;
          added.push(`parameter ${p.name}`);
        }
      for (const [mt, media] of Object.entries(op.requestBody?.content ?? {}))
        if (media.example === undefined && media.schema) {
          media.example = exampleOf(media.schema);
          added.push(`request example (${mt})`);
        }
      for (const [status, r] of Object.entries(op.responses ?? {}))
        for (const [mt, media] of Object.entries(r.content ?? {}))
          if (media.example === undefined && media.schema) {
            media.example = exampleOf(media.schema);
            added.push(`response example ${status} (${mt})`);
          }
      if (added.length > 0) changes.push({ operation: `${method.toUpperCase()} ${path}`, added });
    }
  }
  return changes;
}

/** The document as one Markdown page: operations with their descriptions, parameters and examples. */
export function markdownPage(doc: OpenApiDocument): string {
  const lines = [`# ${doc.info.title} ${doc.info.version}`, ''];
  if (doc.info.description) lines.push(doc.info.description, '');
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (!op) continue;
      lines.push(`## ${method.toUpperCase()} ${path}`, '');
      if (op.description ?? op.summary) lines.push(op.description ?? op.summary ?? '', '');
      if (op.parameters && op.parameters.length > 0) {
        lines.push('| parameter | in | required | type |', '|---|---|---|---|');
        for (const p of op.parameters)
          lines.push(
            `| \`${p.name}\` | ${p.in} | ${p.required ? 'yes' : 'no'} | ${[p.schema.type].flat().join(' or ')}${p.schema.format ? ` (${p.schema.format})` : ''} |`,
          );
        lines.push('');
      }
      for (const [mt, media] of Object.entries(op.requestBody?.content ?? {}))
        if (media.example !== undefined)
          lines.push(`Request (${mt}):`, '', '```json', JSON.stringify(media.example, null, 2), '```', '');
      for (const [status, r] of Object.entries(op.responses ?? {})) {
        lines.push(`Response ${status}: ${r.description}`, '');
        for (const media of Object.values(r.content ?? {}))
          if (media.example !== undefined) lines.push('```json', JSON.stringify(media.example, null, 2), '```', '');
      }
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

export interface TaxonomyEntry {
  /** The category. */
  name: string;
  /** Words that point to it (in paths, summaries, descriptions, schema property names). */
  keywords: string[];
  /** Tags it brings with it. */
  tags?: string[];
}

/** A starting taxonomy; pass your organisation's own with `--taxonomy`. */
export const DEFAULT_TAXONOMY: readonly TaxonomyEntry[] = [
  {
    name: 'Commerce',
    keywords: ['order', 'cart', 'checkout', 'product', 'catalog', 'catalogue', 'sku', 'price', 'inventory', 'shipment'],
    tags: ['orders', 'products'],
  },
  {
    name: 'Payments',
    keywords: ['payment', 'invoice', 'refund', 'charge', 'card', 'iban', 'billing', 'subscription', 'wallet'],
    tags: ['payments'],
  },
  {
    name: 'Identity',
    keywords: ['user', 'account', 'login', 'token', 'oauth', 'password', 'profile', 'role', 'permission', 'session'],
    tags: ['identity'],
  },
  {
    name: 'Customer',
    keywords: ['customer', 'contact', 'address', 'crm', 'lead', 'ticket', 'support', 'case'],
    tags: ['customers'],
  },
  {
    name: 'Communication',
    keywords: ['message', 'email', 'sms', 'notification', 'chat', 'webhook', 'subscriber'],
    tags: ['messaging'],
  },
  {
    name: 'Logistics',
    keywords: ['delivery', 'tracking', 'carrier', 'warehouse', 'route', 'parcel', 'fleet'],
    tags: ['logistics'],
  },
  {
    name: 'Healthcare',
    keywords: ['patient', 'appointment', 'practitioner', 'observation', 'encounter', 'fhir', 'prescription'],
    tags: ['health'],
  },
  {
    name: 'Finance',
    keywords: ['account', 'transaction', 'balance', 'transfer', 'loan', 'statement', 'ledger'],
    tags: ['finance'],
  },
  { name: 'AI', keywords: ['chat', 'completion', 'embedding', 'model', 'prompt', 'inference', 'image'], tags: ['ai'] },
];

export interface TagSuggestion {
  category: string;
  score: number;
  tags: string[];
  /** The words that matched, for review. */
  evidence: string[];
}

/** Words of the document, weighted: path segments 3, summaries and descriptions 2, property names 1. */
function wordsOf(doc: OpenApiDocument): Map<string, number> {
  const w = new Map<string, number>();
  const add = (text: string | undefined, weight: number): void => {
    for (const t of (text ?? '')
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toLowerCase()
      .split(/[^a-z]+/))
      if (t.length > 2) w.set(t, (w.get(t) ?? 0) + weight);
  };
  add(doc.info.title, 3);
  add(doc.info.description, 2);
  const props = (s: JsonSchema | undefined, depth = 0): void => {
    if (!s || depth > 6) return;
    for (const [k, v] of Object.entries(s.properties ?? {})) {
      add(k, 1);
      props(v, depth + 1);
    }
    props(s.items, depth + 1);
  };
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    add(path.replace(/\{[^}]+\}/g, ''), 3);
    for (const method of METHODS) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (!op) continue;
      add(op.summary, 2);
      add(op.description, 2);
      for (const m of Object.values(op.requestBody?.content ?? {})) props(m.schema);
      for (const r of Object.values(op.responses ?? {}))
        for (const m of Object.values(r.content ?? {})) props(m.schema);
    }
  }
  return w;
}

const stem = (w: string): string => w.replace(/(ies|es|s)$/, (m) => (m === 'ies' ? 'y' : ''));

/** Categories of the taxonomy ranked by how much of the document speaks of them; at most `limit`. */
export function suggestTags(
  doc: OpenApiDocument,
  taxonomy: readonly TaxonomyEntry[] = DEFAULT_TAXONOMY,
  limit = 3,
): TagSuggestion[] {
  const words = wordsOf(doc);
  const stems = new Map<string, number>();
  for (const [w, n] of words) stems.set(stem(w), (stems.get(stem(w)) ?? 0) + n);
  const total = [...words.values()].reduce((a, b) => a + b, 0) || 1;
  return taxonomy
    .map((t) => {
      const evidence = t.keywords.filter((k) => stems.has(stem(k)));
      const score = evidence.reduce((a, k) => a + stems.get(stem(k))!, 0) / total;
      return { category: t.name, score: Math.round(score * 1000) / 1000, tags: t.tags ?? [], evidence };
    })
    .filter((s) => s.evidence.length > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, limit);
}

export interface AppUsage {
  application: string;
  tenant?: string;
  role?: string;
  tier?: string;
  calls: number;
  totalTokens: number;
  days: number;
}

export interface TierLimit {
  name: string;
  /** Requests or tokens a day the tier allows (the larger the better). */
  requestsPerDay?: number;
  tokensPerDay?: number;
}

export interface TierSuggestion {
  tier: string;
  /** Daily figures of the peers the suggestion rests on. */
  peers: number;
  p75CallsPerDay: number;
  p75TokensPerDay: number;
  reason: string;
}

const p75 = (xs: number[]): number => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(0.75 * (s.length - 1) + 0.5))]!;
};

/**
 * The smallest tier that holds what three in four comparable applications use a day (same role if
 * any share it, else same tenant, else all); the smallest tier when there are no peers.
 */
export function suggestTier(
  app: { role?: string; tenant?: string },
  usage: readonly AppUsage[],
  tiers: readonly TierLimit[],
): TierSuggestion {
  if (tiers.length === 0) throw new Error('no tiers to choose from: give the tiers with their daily limits');
  const byRole = app.role ? usage.filter((u) => u.role === app.role) : [];
  const byTenant = app.tenant ? usage.filter((u) => u.tenant === app.tenant) : [];
  const [peers, basis] =
    byRole.length > 0
      ? [byRole, `role ${app.role}`]
      : byTenant.length > 0
        ? [byTenant, `tenant ${app.tenant}`]
        : [usage, 'all applications'];
  const calls = p75(peers.map((u) => u.calls / Math.max(1, u.days)));
  const tokens = p75(peers.map((u) => u.totalTokens / Math.max(1, u.days)));
  // smallest first: by requests a day, then tokens a day (no limit is the largest)
  const cmp = (x: number | undefined, y: number | undefined): number =>
    x === y ? 0 : x === undefined ? 1 : y === undefined ? -1 : x - y;
  const ordered = [...tiers].sort(
    (a, b) => cmp(a.requestsPerDay, b.requestsPerDay) || cmp(a.tokensPerDay, b.tokensPerDay),
  );
  const fits = ordered.find((t) => (t.requestsPerDay ?? Infinity) >= calls && (t.tokensPerDay ?? Infinity) >= tokens);
  const tier = fits ?? ordered[ordered.length - 1]!;
  return {
    tier: tier.name,
    peers: peers.length,
    p75CallsPerDay: Math.round(calls),
    p75TokensPerDay: Math.round(tokens),
    reason:
      peers.length === 0
        ? 'no comparable applications yet: the smallest tier'
        : `${fits ? 'the smallest tier that holds' : 'no tier holds; the largest, for'} the daily use of three in four of ${peers.length} applications with the same ${basis.startsWith('role') || basis.startsWith('tenant') ? basis : 'usage store'} (${Math.round(calls)} calls, ${Math.round(tokens)} tokens a day)`,
  };
}
