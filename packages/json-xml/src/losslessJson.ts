/**
 * @fileoverview A JSON parser and serializer that keeps the exact text of every number.
 *
 * `JSON.parse` turns `500.0` into `500`, `1.0E10` into `10000000000` and a 20-digit integer into an
 * approximation. Gateways forward what they receive, so a policy that does not touch a number must
 * give back the same characters. Numbers whose text `String(Number(text))` reproduces exactly are
 * plain JS numbers; all others become {@link JsonNumber}s that carry their text.
 */

/** A JSON number whose text a JS `number` cannot reproduce (`500.0`, `1E+3`, `12345678901234567890`). */
export class JsonNumber {
  constructor(readonly text: string) {}
  /** The nearest double, for arithmetic (`Number(n)`, `+n`, `n * 2`). */
  valueOf(): number {
    return Number(this.text);
  }
  toString(): string {
    return this.text;
  }
  toJSON(): number {
    return Number(this.text);
  }
}

export type JsonValue = null | boolean | number | JsonNumber | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A JSON syntax error with the position it was found at. */
export class JsonSyntaxError extends Error {
  readonly code = 'SAI_ERR_MALFORMED_JSON';
  constructor(
    readonly reason: string,
    readonly position: number,
    readonly line: number,
    readonly column: number,
  ) {
    super(`Malformed JSON at line ${line}, column ${column}: ${reason}`);
    this.name = 'JsonSyntaxError';
  }
}

export interface ParseJsonOptions {
  /** Deepest allowed nesting of arrays and objects (default 512). */
  maxDepth?: number;
}

const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const NON_INTEGER_RE = /[.eE]/;

/** What {@link scanJsonString} found. Reused between calls: read it before the next scan. */
export interface JsonStringScan {
  /** Index of the closing quote, or -1 when the string is not terminated. */
  end: number;
  /** Whether a backslash escape occurs. */
  escaped: boolean;
  /** Index of the first raw control character (U+0000–U+001F), or -1. */
  control: number;
}

const stringScan: JsonStringScan = { end: -1, escaped: false, control: -1 };

/** Finds the end of the JSON string whose opening quote is at `quote`, noting escapes and raw controls. */
export function scanJsonString(text: string, quote: number): JsonStringScan {
  const len = text.length;
  let i = quote + 1;
  stringScan.escaped = false;
  stringScan.control = -1;
  for (;;) {
    if (i >= len) {
      stringScan.end = -1;
      return stringScan;
    }
    const c = text.charCodeAt(i);
    if (c === 0x22) break;
    if (c === 0x5c) {
      stringScan.escaped = true;
      i += 2;
      continue;
    }
    if (c < 0x20 && stringScan.control < 0) stringScan.control = i;
    i++;
  }
  stringScan.end = i;
  return stringScan;
}

/**
 * Object keys remembered by nesting depth and member index. Objects of one shape repeat (the items
 * of an array, one request after another), so the key met last at a position is usually the one met
 * next: when the text has it again, the remembered string is used instead of a new copy, and the
 * lookups made by key (element names, field names) meet a string whose hash is already computed.
 * Holds at most 32 × 64 keys, only keys written without escapes.
 */
export class KeyMemo {
  private readonly rows: string[][] = [];

  /** The key remembered for (depth, member) if the text at `quote` is that key in quotes. */
  known(text: string, quote: number, depth: number, member: number): string | undefined {
    if (depth >= 32 || member >= 64) return undefined;
    const known = this.rows[depth]?.[member];
    return known !== undefined &&
      text.charCodeAt(quote + 1 + known.length) === 0x22 &&
      text.startsWith(known, quote + 1)
      ? known
      : undefined;
  }

  /** Remembers `key`, read from `rawLength` characters of text between its quotes. */
  remember(depth: number, member: number, key: string, rawLength: number): void {
    if (depth >= 32 || member >= 64 || rawLength !== key.length) return;
    (this.rows[depth] ??= [])[member] = key;
  }
}

/** Where in `text` the offset `pos` is, as 1-based line and column (UTF-16 units). */
export function lineColumn(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: pos - lineStart + 1 };
}

/** Turns the text of a JSON number into the value the tree holds: a `number` when exact, else a {@link JsonNumber}. */
export function numberFromText(text: string): number | JsonNumber {
  // fast path: a short integer without sign tricks is always exact
  if (text.length <= 15 && !NON_INTEGER_RE.test(text) && text !== '-0') return Number(text);
  const n = Number(text);
  return String(n) === text ? n : new JsonNumber(text);
}

/**
 * Parses JSON text (RFC 8259) keeping number text. Keys such as `__proto__` are stored as plain data.
 * Duplicate keys keep the last value, as `JSON.parse` does.
 * @throws {JsonSyntaxError} with line and column when the text is not JSON.
 */
export function parseJson(text: string, options: ParseJsonOptions = {}): JsonValue {
  const maxDepth = options.maxDepth ?? 512;
  let pos = 0;
  const len = text.length;

  const fail = (reason: string, at = pos): never => {
    const { line, column } = lineColumn(text, at);
    throw new JsonSyntaxError(reason, at, line, column);
  };
  const describe = (at: number): string => (at >= len ? 'end of input' : `'${text[at] === '\n' ? '\\n' : text[at]}'`);

  const skipWs = (): void => {
    while (pos < len) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
  };

  const parseString = (): string => {
    // pos is at the opening quote
    const start = pos + 1;
    const scan = scanJsonString(text, pos);
    if (scan.end < 0) fail('unterminated string', pos);
    if (scan.control >= 0) fail('control character in string (escape it as \\u00XX)', scan.control);
    const i = scan.end;
    const escaped = scan.escaped;
    pos = i + 1;
    if (!escaped) return text.slice(start, i);
    try {
      return JSON.parse(text.slice(start - 1, i + 1)) as string;
    } catch {
      // locate the bad escape for a precise message
      for (let j = start; j < i; j++) {
        if (text.charCodeAt(j) === 0x5c) {
          const e = text[j + 1];
          if (e === 'u') {
            if (!/^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) fail('invalid \\u escape (needs 4 hex digits)', j);
            j += 5;
          } else if (e !== undefined && '"\\/bfnrt'.includes(e)) j++;
          else fail(`invalid escape '\\${e ?? ''}'`, j);
        }
      }
      return fail('invalid string', start - 1);
    }
  };

  const parseValue = (depth: number): JsonValue => {
    skipWs();
    if (pos >= len) fail('unexpected end of input (expected a value)');
    const c = text.charCodeAt(pos);
    if (c === 0x7b /* { */) {
      if (depth >= maxDepth) fail(`nesting deeper than ${maxDepth} levels`);
      pos++;
      const obj: JsonObject = {};
      skipWs();
      if (text.charCodeAt(pos) === 0x7d) {
        pos++;
        return obj;
      }
      for (;;) {
        skipWs();
        if (text.charCodeAt(pos) !== 0x22) fail(`unexpected ${describe(pos)} (expected a string key)`);
        const key = parseString();
        skipWs();
        if (text.charCodeAt(pos) !== 0x3a) fail(`unexpected ${describe(pos)} (expected ':')`);
        pos++;
        const value = parseValue(depth + 1);
        if (key === '__proto__') {
          Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
        } else {
          obj[key] = value;
        }
        skipWs();
        const d = text.charCodeAt(pos);
        if (d === 0x2c) {
          pos++;
          continue;
        }
        if (d === 0x7d) {
          pos++;
          return obj;
        }
        fail(`unexpected ${describe(pos)} (expected ',' or '}')`);
      }
    }
    if (c === 0x5b /* [ */) {
      if (depth >= maxDepth) fail(`nesting deeper than ${maxDepth} levels`);
      pos++;
      const arr: JsonValue[] = [];
      skipWs();
      if (text.charCodeAt(pos) === 0x5d) {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(depth + 1));
        skipWs();
        const d = text.charCodeAt(pos);
        if (d === 0x2c) {
          pos++;
          continue;
        }
        if (d === 0x5d) {
          pos++;
          return arr;
        }
        fail(`unexpected ${describe(pos)} (expected ',' or ']')`);
      }
    }
    if (c === 0x22) return parseString();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      NUMBER_RE.lastIndex = pos;
      const m = NUMBER_RE.exec(text);
      if (!m) return fail(`invalid number`);
      pos += m[0].length;
      const next = text.charCodeAt(pos);
      if ((next >= 0x30 && next <= 0x39) || next === 0x2e || next === 0x65 || next === 0x45) fail('invalid number');
      return numberFromText(m[0]);
    }
    if (text.startsWith('true', pos)) {
      pos += 4;
      return true;
    }
    if (text.startsWith('false', pos)) {
      pos += 5;
      return false;
    }
    if (text.startsWith('null', pos)) {
      pos += 4;
      return null;
    }
    return fail(`unexpected ${describe(pos)} (expected a value)`);
  };

  const value = parseValue(0);
  skipWs();
  if (pos < len) fail(`unexpected ${describe(pos)} after the end of the JSON value`);
  return value;
}

/**
 * Serializes a tree from {@link parseJson} (or any JSON-compatible value) compactly.
 * {@link JsonNumber}s are written with their original text.
 */
export function stringifyJson(value: unknown): string {
  return write(value);
}

// Built by string concatenation (V8 joins the pieces lazily): about a third faster than pushing
// every token to an array and joining it.
function write(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return 'null';
  }
  if (value === null) return 'null';
  if (value instanceof JsonNumber) return value.text;
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      out += write(item === undefined || typeof item === 'function' ? null : item);
    }
    return out + ']';
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return write((toJSON as () => unknown).call(value));
  let out = '{';
  let first = true;
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    if (!first) out += ',';
    first = false;
    out += JSON.stringify(key) + ':' + write(v);
  }
  return out + '}';
}

/** A copy of the tree with every {@link JsonNumber} as a plain number (for schema validation). */
export function toPlainJson(value: JsonValue): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof JsonNumber) return Number(value.text);
  if (Array.isArray(value)) return value.map(toPlainJson);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = toPlainJson(value[key] as JsonValue);
    if (key === '__proto__')
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    else out[key] = v;
  }
  return out;
}

let containerStack = new Uint8Array(64);
function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * Where the JSON string whose opening quote is at `pos` ends (just past the closing quote), or -1
 * when it is not a valid string (unterminated, a raw control character, a bad escape).
 */
function validStringEnd(t: string, pos: number): number {
  const n = t.length;
  pos++;
  // short strings (most keys and values) by hand; past 24 characters, plain runs by one native scan
  let budget = 24;
  while (pos < n) {
    if (--budget === 0) {
      PLAIN_RUN.lastIndex = pos;
      PLAIN_RUN.test(t);
      pos = PLAIN_RUN.lastIndex;
      budget = 24;
      if (pos >= n) return -1;
    }
    const c = t.charCodeAt(pos++);
    if (c === 0x22) return pos;
    if (c < 0x20) return -1;
    if (c === 0x5c) {
      const e = t.charCodeAt(pos++);
      if (e === 0x75) {
        if (!(
          isHex(t.charCodeAt(pos)) &&
          isHex(t.charCodeAt(pos + 1)) &&
          isHex(t.charCodeAt(pos + 2)) &&
          isHex(t.charCodeAt(pos + 3))
        ))
          return -1;
        pos += 4;
      } else if (!(
        e === 0x22 ||
        e === 0x5c ||
        e === 0x2f ||
        e === 0x62 ||
        e === 0x66 ||
        e === 0x6e ||
        e === 0x72 ||
        e === 0x74
      ))
        return -1;
    }
  }
  return -1;
}

/** A run of string characters that need no check: no quote, backslash or control character. */
const PLAIN_RUN = /[^"\\\u0000-\u001f]*/y;

/** The first position at or after `pos` that is not JSON whitespace. */
function skipWs(t: string, pos: number): number {
  for (;;) {
    const c = t.charCodeAt(pos);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
    else return pos;
  }
}

function digitsEnd(t: string, pos: number): number {
  const n = t.length;
  while (pos < n) {
    const c = t.charCodeAt(pos);
    if (c >= 0x30 && c <= 0x39) pos++;
    else break;
  }
  return pos;
}

/**
 * Where the JSON number (RFC 8259 grammar) starting at `pos` ends, or -1 when the text there is not
 * one. Only the grammar is checked; what follows the number is the caller's business.
 */
export function scanJsonNumber(t: string, pos: number): number {
  if (t.charCodeAt(pos) === 0x2d) pos++;
  const c = t.charCodeAt(pos);
  if (c === 0x30) pos++;
  else if (c >= 0x31 && c <= 0x39) pos = digitsEnd(t, pos + 1);
  else return -1;
  if (t.charCodeAt(pos) === 0x2e) {
    const end = digitsEnd(t, pos + 1);
    if (end === pos + 1) return -1;
    pos = end;
  }
  const e = t.charCodeAt(pos);
  if (e === 0x65 || e === 0x45) {
    pos++;
    const s = t.charCodeAt(pos);
    if (s === 0x2b || s === 0x2d) pos++;
    const end = digitsEnd(t, pos);
    if (end === pos) return -1;
    pos = end;
  }
  return pos;
}

/**
 * The member names of the object that `text` (valid JSON) holds at its top level, decoded, in
 * order; undefined when the value there is not an object. Reads no further than the top level, so
 * it is far cheaper than parsing when only the names matter.
 */
export function topLevelKeys(text: string): string[] | undefined {
  const t = text;
  let pos = skipWs(t, 0);
  if (t.charCodeAt(pos) !== 0x7b) return undefined;
  const keys: string[] = [];
  pos = skipWs(t, pos + 1);
  if (t.charCodeAt(pos) === 0x7d) return keys;
  for (;;) {
    const end = validStringEnd(t, pos);
    if (end < 0) throw new SyntaxError('topLevelKeys: the text is not valid JSON');
    const raw = t.slice(pos, end);
    keys.push(raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1));
    pos = skipWs(t, end);
    pos = skipWs(t, pos + 1); // the colon
    // skip the value: strings by their end, containers by counting brackets outside strings
    let depth = 0;
    for (;;) {
      const c = t.charCodeAt(pos);
      if (c === 0x22) {
        pos = validStringEnd(t, pos);
        if (pos < 0) throw new SyntaxError('topLevelKeys: the text is not valid JSON');
        if (depth === 0) break;
        continue;
      }
      if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (depth === 0) return keys;
        depth--;
        if (depth === 0) {
          pos++;
          break;
        }
      } else if (depth === 0 && c === 0x2c) break;
      else if (Number.isNaN(c)) throw new SyntaxError('topLevelKeys: the text is not valid JSON');
      pos++;
    }
    pos = skipWs(t, pos);
    if (t.charCodeAt(pos) === 0x7d) return keys;
    pos = skipWs(t, pos + 1); // the comma
  }
}

/**
 * Whether `text` is one JSON value (RFC 8259) nested no deeper than `maxDepth`. Allocates nothing,
 * so checking a body that is passed on unchanged stays cheap; {@link parseJson} explains a failure.
 */
export function isValidJson(text: string, maxDepth = 512): boolean {
  const t = text;
  const n = t.length;
  let pos = 0;
  let depth = 0;
  if (containerStack.length <= maxDepth) containerStack = new Uint8Array(maxDepth + 1);
  const stack = containerStack;
  for (;;) {
    // a value is expected here
    pos = skipWs(t, pos);
    const c = t.charCodeAt(pos);
    if (c === 0x22) {
      pos = validStringEnd(t, pos);
      if (pos < 0) return false;
    } else if (c === 0x7b || c === 0x5b) {
      if (depth >= maxDepth) return false;
      pos = skipWs(t, pos + 1);
      if (t.charCodeAt(pos) === (c === 0x7b ? 0x7d : 0x5d)) {
        pos++;
      } else {
        stack[depth++] = c === 0x7b ? 1 : 2;
        if (c === 0x7b) {
          // the first key and its colon
          if (t.charCodeAt(pos) !== 0x22 || (pos = validStringEnd(t, pos)) < 0) return false;
          pos = skipWs(t, pos);
          if (t.charCodeAt(pos++) !== 0x3a) return false;
        }
        continue;
      }
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      pos = scanJsonNumber(t, pos);
      if (pos < 0) return false;
    } else if (c === 0x74 && t.startsWith('true', pos)) pos += 4;
    else if (c === 0x66 && t.startsWith('false', pos)) pos += 5;
    else if (c === 0x6e && t.startsWith('null', pos)) pos += 4;
    else return false;

    // a value ended: close containers or move on to the next member
    for (;;) {
      pos = skipWs(t, pos);
      if (depth === 0) return pos === n;
      const d = t.charCodeAt(pos++);
      const top = stack[depth - 1];
      if (d === 0x2c) {
        if (top === 1) {
          pos = skipWs(t, pos);
          if (t.charCodeAt(pos) !== 0x22 || (pos = validStringEnd(t, pos)) < 0) return false;
          pos = skipWs(t, pos);
          if (t.charCodeAt(pos++) !== 0x3a) return false;
        }
        break;
      }
      if ((top === 1 && d === 0x7d) || (top === 2 && d === 0x5d)) {
        depth--;
        continue;
      }
      return false;
    }
  }
}
