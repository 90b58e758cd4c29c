/**
 * @fileoverview The mapping engine: declarative field mapping from a source document (JSON, or XML
 * read as WSO2 reads it) to a target shape, executed deterministically.
 */
import { JsonNumber } from '@synapse-ai/sdk';
import { parsePath } from '../textFields';

export type MappingRule =
  | string
  | {
      from?: string;
      value?: unknown;
      type?: 'string' | 'number' | 'integer' | 'boolean';
      default?: unknown;
      transform?: 'trim' | 'upper' | 'lower' | 'split';
      separator?: string;
    };

export type Mapping = Record<string, MappingRule>;

type Obj = Record<string, unknown>;

/** Every value at a source path, with the indices its `[*]` steps took. */
export function select(root: unknown, path: readonly string[]): Array<{ value: unknown; indices: number[] }> {
  let current: Array<{ value: unknown; indices: number[] }> = [{ value: root, indices: [] }];
  for (const step of path) {
    const next: typeof current = [];
    for (const { value, indices } of current) {
      if (step === '*') {
        if (Array.isArray(value)) value.forEach((v, i) => next.push({ value: v, indices: [...indices, i] }));
      } else if (Array.isArray(value) && /^\d+$/.test(step)) {
        if (Number(step) < value.length) next.push({ value: value[Number(step)], indices });
      } else if (value !== null && typeof value === 'object' && !(value instanceof JsonNumber)) {
        const v = (value as Obj)[step];
        if (v !== undefined) next.push({ value: v, indices });
      }
    }
    current = next;
  }
  return current;
}

function setPath(root: Obj, path: readonly string[], indices: readonly number[], value: unknown): void {
  let node: Obj | unknown[] = root;
  let k = 0;
  for (let i = 0; i < path.length; i++) {
    const step = path[i]!;
    const last = i === path.length - 1;
    const key: string | number = step === '*' ? indices[k++]! : /^\d+$/.test(step) ? Number(step) : step;
    const nextIsArray = !last && (path[i + 1] === '*' || /^\d+$/.test(path[i + 1]!));
    const container = node as Record<string | number, unknown>;
    if (last) {
      container[key] = value;
      return;
    }
    if (container[key] === undefined || container[key] === null || typeof container[key] !== 'object') {
      container[key] = nextIsArray ? [] : {};
    }
    node = container[key] as Obj | unknown[];
  }
}

function convert(v: unknown, rule: Exclude<MappingRule, string>): unknown {
  let x: unknown = v instanceof JsonNumber ? Number(v.text) : v;
  if (typeof x === 'string') {
    const s: string = x;
    if (rule.transform === 'trim') x = s.trim();
    else if (rule.transform === 'upper') x = s.toUpperCase();
    else if (rule.transform === 'lower') x = s.toLowerCase();
    else if (rule.transform === 'split') {
      x = s
        .split(rule.separator ?? ',')
        .map((p) => p.trim())
        .filter(Boolean);
    }
  }
  switch (rule.type) {
    case 'string':
      return x === undefined || x === null ? x : typeof x === 'object' ? JSON.stringify(x) : String(x);
    case 'number':
    case 'integer': {
      const n = typeof x === 'number' ? x : typeof x === 'string' && x.trim() !== '' ? Number(x) : NaN;
      if (!Number.isFinite(n)) return undefined;
      return rule.type === 'integer' ? Math.trunc(n) : n;
    }
    case 'boolean':
      if (typeof x === 'boolean') return x;
      if (x === 'true' || x === '1' || x === 1) return true;
      if (x === 'false' || x === '0' || x === 0) return false;
      return undefined;
    default:
      return x;
  }
}

/** Applies a mapping; returns the target document and the target paths that got no value. */
export function applyMapping(source: unknown, mapping: Mapping): { target: Obj; missing: string[] } {
  const target: Obj = {};
  const missing: string[] = [];
  for (const [to, r] of Object.entries(mapping)) {
    const rule = typeof r === 'string' ? { from: r } : r;
    const toPath = parsePath(to);
    if (rule.from === undefined) {
      if (rule.value !== undefined) setPath(target, toPath, [], rule.value);
      continue;
    }
    const hits = select(source, parsePath(rule.from));
    let any = false;
    for (const h of hits) {
      const v = convert(h.value, rule);
      if (v === undefined) continue;
      setPath(target, toPath, h.indices, v);
      any = true;
    }
    if (!any) {
      if (rule.default !== undefined)
        setPath(
          target,
          toPath.filter((p) => p !== '*'),
          [],
          rule.default,
        );
      else missing.push(to);
    }
  }
  return { target, missing };
}

/** Checks a mapping's paths; returns problems as sentences. */
export function checkMapping(mapping: Mapping): string[] {
  const problems: string[] = [];
  for (const [to, r] of Object.entries(mapping)) {
    try {
      const t = parsePath(to);
      const rule = typeof r === 'string' ? { from: r } : r;
      if (rule.from !== undefined) {
        const f = parsePath(rule.from);
        if (t.filter((p) => p === '*').length > f.filter((p) => p === '*').length) {
          problems.push(`${to}: has more [*] than its source ${rule.from}`);
        }
      } else if (rule.value === undefined) problems.push(`${to}: give "from" (a source path) or "value" (a constant)`);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  return problems;
}
