/**
 * @fileoverview Field rules: JSONPath for JSON (`$.user.email`, `$..password`, `$.items[*].card`,
 * `$["first name"]`) and simple XPath for XML (`/order/customer/email`, `//password`, `//@token`,
 * `/a/*\/b`). A rule applies to the value at its path and everything below it.
 */
import { RedactError } from './errors';

export interface FieldRule {
  path: string;
  /** `redact`: always, whatever is found; `never`: leave it; `scan`: detect as usual. */
  action: 'redact' | 'never' | 'scan';
  /** The type reported (and the operator used) for `redact` (default `REDACTED`). */
  type?: string;
}

export interface CompiledRule extends FieldRule {
  matches(path: string): boolean;
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const SEGMENT = '(?:\\.[^.\\[]+|\\[(?:\\d+|"(?:[^"\\\\]|\\\\.)*")\\])';

/** A key written `.key` in a path (an identifier); others are written `["key"]`. */
export function keySafe(key: string): boolean {
  if (key.length === 0) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const letter = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x24;
    if (!letter && !(i > 0 && c >= 0x30 && c <= 0x39)) return false;
  }
  return true;
}

function keySegment(key: string): string {
  return keySafe(key) ? esc(`.${key}`) : esc(`[${JSON.stringify(key)}]`);
}

function compileJsonPath(path: string): RegExp {
  if (!path.startsWith('$'))
    throw new RedactError('REDACT_CONFIG', `JSONPath rule ${JSON.stringify(path)} must start with $`);
  let re = '^\\$';
  let i = 1;
  while (i < path.length) {
    if (path.startsWith('..', i)) {
      re += `${SEGMENT}*?`;
      i += 1; // the next '.' starts the key segment
      continue;
    }
    const c = path[i];
    if (c === '.') {
      const m = /^\.([^.[\]]+)/.exec(path.slice(i));
      if (!m) throw new RedactError('REDACT_CONFIG', `JSONPath rule ${JSON.stringify(path)}: expected a key after '.'`);
      re += m[1] === '*' ? SEGMENT : keySegment(m[1]!);
      i += m[0].length;
    } else if (c === '[') {
      const m = /^\[(\*|\d+|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/.exec(path.slice(i));
      if (!m)
        throw new RedactError(
          'REDACT_CONFIG',
          `JSONPath rule ${JSON.stringify(path)}: unsupported selector at ${i} (use [*], [n] or ['key'])`,
        );
      if (m[1] === '*') re += SEGMENT;
      else if (/^\d+$/.test(m[1]!)) re += esc(`[${m[1]}]`);
      else re += keySegment(m[2] ?? m[3]!);
      i += m[0].length;
    } else {
      throw new RedactError(
        'REDACT_CONFIG',
        `JSONPath rule ${JSON.stringify(path)}: unexpected ${JSON.stringify(c)} at ${i}`,
      );
    }
  }
  return new RegExp(`${re}(?:$|[.[])`);
}

function compileXPath(path: string): RegExp {
  if (!path.startsWith('/'))
    throw new RedactError('REDACT_CONFIG', `XPath rule ${JSON.stringify(path)} must start with / or //`);
  const parts = path.split('/');
  let re = '^';
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '') {
      if (i === parts.length - 1)
        throw new RedactError('REDACT_CONFIG', `XPath rule ${JSON.stringify(path)} ends with /`);
      re += '(?:/[^/]+)*?';
      continue;
    }
    const attr = part.startsWith('@');
    const name = (attr ? part.slice(1) : part).replace(/^[^:]+:/, '');
    if (!/^(\*|[\p{L}_][\p{L}\p{N}_.-]*)$/u.test(name))
      throw new RedactError(
        'REDACT_CONFIG',
        `XPath rule ${JSON.stringify(path)}: unsupported step ${JSON.stringify(part)}`,
      );
    re += `/${attr ? '@' : ''}${name === '*' ? '[^/@][^/]*' : esc(name)}`;
  }
  return new RegExp(`${re}(?:$|/)`, 'u');
}

export function compileRule(rule: FieldRule, dialect: 'jsonpath' | 'xpath'): CompiledRule {
  const re = dialect === 'jsonpath' ? compileJsonPath(rule.path) : compileXPath(rule.path);
  return { ...rule, matches: (p: string) => re.test(p) };
}
