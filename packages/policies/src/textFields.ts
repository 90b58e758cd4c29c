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

/**
 * Calls `fn` for every string value (keys excluded); only those under `paths` when given. The walk
 * keeps one path stack and skips branches no path can reach, so a few fields of a large body cost
 * little; `fn` gets its own copy of the path.
 */
export function eachString(
  value: JsonValue,
  fn: (s: string, path: readonly PathPart[]) => void,
  paths?: readonly (readonly string[])[],
): void {
  const path: PathPart[] = [];
  /** Whether some path can continue through `key` at this depth. */
  const reachable = (key: PathPart): boolean => {
    if (!paths) return true;
    const depth = path.length;
    for (const p of paths) if (p.length > depth && (p[depth] === '*' || p[depth] === String(key))) return true;
    return false;
  };
  const visit = (v: JsonValue): void => {
    if (typeof v === 'string') {
      if (!paths || paths.some((p) => matches(p, path))) fn(v, path.slice());
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        if (!reachable(i)) continue;
        path.push(i);
        visit(v[i]!);
        path.pop();
      }
    } else if (v !== null && typeof v === 'object' && !isNumberLike(v)) {
      // entries, not keys and lookups: a member named __proto__ is data here
      for (const [k, x] of Object.entries(v)) {
        if (!reachable(k)) continue;
        path.push(k);
        visit(x as JsonValue);
        path.pop();
      }
    }
  };
  visit(value);
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
