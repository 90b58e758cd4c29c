/**
 * @fileoverview String values of a parsed JSON body, with their paths, and rewriting them without
 * touching anything else (numbers keep their text through JsonNumber).
 */
import { JsonNumber, type JsonValue } from '@synapse-ai/sdk';

export type PathPart = string | number;

/** `$.a.b[*].c` → ['a', 'b', '*', 'c']. Supports `.name`, `['name']`, `[n]` and `[*]`/`.*`. */
export function parsePath(path: string): string[] {
  if (!path.startsWith('$')) throw new Error(`"${path}" must start with $`);
  const out: string[] = [];
  const re = /\.([A-Za-z_$][\w$-]*|\*)|\[(\d+|\*|'[^']*'|"[^"]*")\]/y;
  let i = 1;
  while (i < path.length) {
    re.lastIndex = i;
    const m = re.exec(path);
    if (!m) throw new Error(`"${path}" is not a supported path at character ${i + 1} (use $.a.b, $.a[0], $.a[*].b)`);
    const part = m[1] ?? m[2]!;
    out.push(part.startsWith("'") || part.startsWith('"') ? part.slice(1, -1) : part);
    i = re.lastIndex;
  }
  return out;
}

function matches(pattern: readonly string[], path: readonly PathPart[]): boolean {
  return pattern.length === path.length && pattern.every((p, i) => p === '*' || p === String(path[i]));
}

/** Calls `fn` for every string value (keys excluded); only those under `paths` when given. */
export function eachString(
  value: JsonValue,
  fn: (s: string, path: readonly PathPart[]) => void,
  paths?: readonly (readonly string[])[],
): void {
  const visit = (v: JsonValue, path: PathPart[]): void => {
    if (typeof v === 'string') {
      if (!paths || paths.some((p) => matches(p, path))) fn(v, path);
    } else if (Array.isArray(v)) v.forEach((x, i) => visit(x, [...path, i]));
    else if (v !== null && typeof v === 'object' && !isNumberLike(v)) {
      for (const [k, x] of Object.entries(v)) visit(x as JsonValue, [...path, k]);
    }
  };
  visit(value, []);
}

/** A copy with string values replaced where `fn` returns a different string. */
export function mapStrings(
  value: JsonValue,
  fn: (s: string, path: readonly PathPart[]) => string,
  paths?: readonly (readonly string[])[],
): { value: JsonValue; changed: boolean } {
  let changed = false;
  const visit = (v: JsonValue, path: PathPart[]): JsonValue => {
    if (typeof v === 'string') {
      if (paths && !paths.some((p) => matches(p, path))) return v;
      const next = fn(v, path);
      if (next !== v) changed = true;
      return next;
    }
    if (Array.isArray(v)) return v.map((x, i) => visit(x, [...path, i]));
    if (v !== null && typeof v === 'object' && !isNumberLike(v)) {
      const out: Record<string, JsonValue> = {};
      for (const [k, x] of Object.entries(v)) {
        Object.defineProperty(out, k, {
          value: visit(x as JsonValue, [...path, k]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out as JsonValue;
    }
    return v;
  };
  const out = visit(value, []);
  return { value: out, changed };
}

/** JsonNumber (lossless numbers) is an object; it is a value, not a container. */
function isNumberLike(v: object): boolean {
  return v instanceof JsonNumber;
}
