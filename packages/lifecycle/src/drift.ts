/**
 * @fileoverview Drift between an OpenAPI document and observed traffic: undocumented operations
 * (shadow APIs), documented operations never seen, statuses the document does not list, and bodies
 * with fields the schema does not have or values of another type.
 */
import { matchTemplate, pathTemplater, type OpenApiDocument } from './infer';
import { typeOf, type JsonSchema } from './schema';
import type { Observation } from './traffic';

export type DriftKind = 'shadow-operation' | 'unused-operation' | 'undocumented-status' | 'new-field' | 'type-change';

export interface Drift {
  kind: DriftKind;
  method: string;
  /** The documented template, or for a shadow operation the template inferred from traffic. */
  path: string;
  status?: number;
  /** Where in a body (`response.body.items[].price`). */
  pointer?: string;
  /** How many observed calls showed it. */
  count: number;
  message: string;
}

export const DRIFT_KINDS: Record<DriftKind, { level: 'error' | 'warning'; description: string }> = {
  'shadow-operation': { level: 'error', description: 'Traffic reaches an operation the document does not describe.' },
  'unused-operation': { level: 'warning', description: 'A documented operation was never called in the traffic.' },
  'undocumented-status': {
    level: 'warning',
    description: 'An operation answered with a status the document does not list.',
  },
  'new-field': { level: 'warning', description: 'A body has a field its schema does not describe.' },
  'type-change': { level: 'error', description: 'A body value has a type its schema does not allow.' },
};

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Resolves local `$ref`s (`#/components/schemas/Order`), once per reference chain. */
function resolver(doc: OpenApiDocument): (s: JsonSchema | undefined) => JsonSchema | undefined {
  return (s) => {
    let cur = s;
    for (let i = 0; i < 16 && cur && typeof cur.$ref === 'string'; i++) {
      const ref = cur.$ref as string;
      if (!ref.startsWith('#/')) return undefined; // remote references are not followed
      cur = ref
        .slice(2)
        .split('/')
        .reduce<unknown>(
          (node, key) => (node as Record<string, unknown> | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')],
          doc,
        ) as JsonSchema | undefined;
    }
    return cur;
  };
}

function allowedTypes(s: JsonSchema): string[] | undefined {
  const t = s.type;
  const list = t === undefined ? undefined : Array.isArray(t) ? t : [t];
  if (list && (s.nullable === true || (s as { nullable?: boolean }).nullable)) list.push('null');
  return list;
}

/** Compares a body with its schema; calls `report` per difference (bounded depth). */
function compareBody(
  value: unknown,
  schema: JsonSchema | undefined,
  resolve: (s: JsonSchema | undefined) => JsonSchema | undefined,
  pointer: string,
  report: (kind: DriftKind, pointer: string, message: string) => void,
  depth = 0,
): void {
  const s = resolve(schema);
  if (!s || depth > 32) return;
  // composed schemas: the value matches when one branch does; only plain schemas are compared field by field
  if (s.oneOf || s.anyOf || s.allOf) return;
  const types = allowedTypes(s);
  const actual = typeOf(value);
  if (types && !types.includes(actual) && !(actual === 'integer' && types.includes('number'))) {
    report('type-change', pointer, `${pointer} is ${actual}; the schema allows ${types.join(' or ')}`);
    return;
  }
  if (actual === 'object' && s.properties) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const child = s.properties[k];
      if (child === undefined) {
        if (s.additionalProperties !== true && typeof s.additionalProperties !== 'object')
          report('new-field', `${pointer}.${k}`, `${pointer}.${k} is not in the schema`);
        continue;
      }
      compareBody(v, child, resolve, `${pointer}.${k}`, report, depth + 1);
    }
  } else if (actual === 'array' && s.items) {
    for (const item of (value as unknown[]).slice(0, 50))
      compareBody(item, s.items, resolve, `${pointer}[]`, report, depth + 1);
  }
}

/** The drift between `doc` and the observed calls, most important first. */
export function specDrift(doc: OpenApiDocument, observations: readonly Observation[]): Drift[] {
  const resolve = resolver(doc);
  const ops: { method: string; path: string; op: Record<string, unknown>; params: number; seen: number }[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {}))
    for (const method of METHODS) {
      const op = (item as Record<string, unknown>)[method] as Record<string, unknown> | undefined;
      if (op) ops.push({ method: method.toUpperCase(), path, op, params: (path.match(/\{/g) ?? []).length, seen: 0 });
    }
  // literal paths win over templated ones (`/orders/recent` before `/orders/{id}`)
  ops.sort((a, b) => a.params - b.params);
  const norm = (t: string): string => t.replace(/\{[^}]+\}/g, '{}');
  const found = new Map<string, Drift>();
  const add = (d: Omit<Drift, 'count'>): void => {
    const key = `${d.kind} ${d.method} ${d.path} ${d.status ?? ''} ${d.pointer ?? ''}`;
    const had = found.get(key);
    if (had) had.count++;
    else found.set(key, { ...d, count: 1 });
  };
  const shadow: Observation[] = [];
  for (const o of observations) {
    const hit = ops.find(
      (c) =>
        c.method === o.method &&
        (o.templated ? norm(c.path) === norm(o.path) : matchTemplate(c.path, o.path) !== undefined),
    );
    if (!hit) {
      shadow.push(o);
      continue;
    }
    hit.seen++;
    const responses = (hit.op.responses ?? {}) as Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
    if (o.status > 0) {
      const documented = responses[String(o.status)] ?? responses[`${String(o.status)[0]}XX`] ?? responses.default;
      if (!documented) {
        add({
          kind: 'undocumented-status',
          method: o.method,
          path: hit.path,
          status: o.status,
          message: `${o.method} ${hit.path} answered ${o.status}, which the document does not list`,
        });
      } else if (o.response?.body !== undefined) {
        const schema =
          documented.content?.[o.response.mediaType]?.schema ?? documented.content?.['application/json']?.schema;
        compareBody(o.response.body, schema, resolve, 'response.body', (kind, pointer, message) =>
          add({
            kind,
            method: o.method,
            path: hit.path,
            status: o.status,
            pointer,
            message: `${o.method} ${hit.path} ${o.status}: ${message}`,
          }),
        );
      }
    }
    if (o.request?.body !== undefined) {
      const rb = resolve(hit.op.requestBody as JsonSchema | undefined) as
        { content?: Record<string, { schema?: JsonSchema }> } | undefined;
      const schema = rb?.content?.[o.request.mediaType]?.schema ?? rb?.content?.['application/json']?.schema;
      compareBody(o.request.body, schema, resolve, 'request.body', (kind, pointer, message) =>
        add({ kind, method: o.method, path: hit.path, pointer, message: `${o.method} ${hit.path}: ${message}` }),
      );
    }
  }
  // undocumented calls, grouped into the operations traffic shows
  const templater = pathTemplater(shadow.filter((o) => !o.templated).map((o) => o.path));
  for (const o of shadow) {
    const path = o.templated ? o.path : templater(o.path);
    add({
      kind: 'shadow-operation',
      method: o.method,
      path,
      message: `${o.method} ${path} is called but not documented`,
    });
  }
  for (const c of ops)
    if (c.seen === 0)
      add({
        kind: 'unused-operation',
        method: c.method,
        path: c.path,
        message: `${c.method} ${c.path} is documented but was never called`,
      });
  const order: DriftKind[] = [
    'shadow-operation',
    'type-change',
    'undocumented-status',
    'new-field',
    'unused-operation',
  ];
  return [...found.values()].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || b.count - a.count);
}

/** SARIF 2.1.0 for code-scanning dashboards: one result per drift, located at the spec file. */
export function driftSarif(drift: readonly Drift[], specUri: string): Record<string, unknown> {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'synapse-ai spec diff',
            informationUri: 'https://github.com/synapse-ai/synapse-ai',
            rules: Object.entries(DRIFT_KINDS).map(([id, k]) => ({
              id,
              shortDescription: { text: k.description },
              defaultConfiguration: { level: k.level },
            })),
          },
        },
        results: drift.map((d) => ({
          ruleId: d.kind,
          level: DRIFT_KINDS[d.kind].level,
          message: { text: `${d.message} (${d.count} call${d.count === 1 ? '' : 's'})` },
          locations: [
            {
              physicalLocation: { artifactLocation: { uri: specUri } },
              logicalLocations: [
                { fullyQualifiedName: `${d.method} ${d.path}${d.pointer ? ` ${d.pointer}` : ''}`, kind: 'member' },
              ],
            },
          ],
        })),
      },
    ],
  };
}
