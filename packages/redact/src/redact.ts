/**
 * @fileoverview Structure-aware redaction. JSON and XML are parsed first and only string values (XML
 * text and attribute values) are scanned, with escapes decoded before detection; keys, element names
 * and namespaces are never changed, everything that is not redacted is copied as it was, and the
 * output is always well-formed.
 */
import { createHmac } from 'node:crypto';
import {
  escapeXml,
  isValidJson,
  JsonXmlError,
  KeyMemo,
  lineColumn,
  readXml,
  scanJsonNumber,
  scanJsonString,
} from '@synapse-ai/json-xml';
import { detectInto, DEFAULT_TYPES, type CustomDetector, type DetectOptions, type Finding } from './detectors';
import { RedactError } from './errors';
import { compileRule, keySafe, type CompiledRule, type FieldRule } from './rules';

export { RedactError };

export type Operator =
  | { op: 'replace'; label?: string }
  | { op: 'mask'; keepLast?: number; char?: string }
  | { op: 'hash'; length?: number }
  | { op: 'drop' }
  | { op: 'pseudonymize' };

/** Gives the pseudonym (`<EMAIL_1>`) for a value; the same value gets the same pseudonym within a scope. */
export type PseudonymResolver = (type: string, value: string) => string;

export interface RedactOptions {
  /** Media type of the body: JSON (`application/json`, `+json`), XML (`application/xml`, `text/xml`, `+xml`) or `text/*`. */
  contentType: string;
  /** Types to detect (default: all but URL). */
  types?: readonly string[];
  /** Operator per type; `*` applies to types without their own. Default `replace` (`<EMAIL>`). */
  operators?: Readonly<Record<string, Operator>>;
  /** Per-path rules: always redact, never redact, or scan (the default). */
  rules?: readonly FieldRule[];
  custom?: readonly CustomDetector[];
  /** Region tried first for phone numbers written without a country code (ISO 3166 alpha-2). */
  defaultCountry?: string;
  /** Regions whose national phone formats are recognised (see DetectOptions.phoneRegions). */
  phoneRegions?: readonly string[];
  /** Key for the `hash` operator (HMAC-SHA256). Required when an operator hashes. */
  hashKey?: string;
  /** Required when an operator pseudonymizes. */
  pseudonyms?: PseudonymResolver;
  /** Monotonic time (performance.now()) after which redaction stops with `REDACT_TIMEOUT`. */
  deadline?: number;
  /** Deepest nesting accepted (default 512). */
  maxDepth?: number;
  now?: Date;
}

export interface RedactResult {
  body: string;
  findings: Finding[];
  /** Counts by type. */
  summary: Record<string, number>;
}

interface Engine {
  opts: RedactOptions;
  /** Detection options, built once; fieldName and parentName are set for each value. */
  detectOptions: DetectOptions;
  types: readonly string[];
  rules: CompiledRule[];
  findings: Finding[];
  checks: number;
}

const REPLACE: Operator = { op: 'replace' };

function operatorFor(engine: Engine, type: string): Operator {
  const ops = engine.opts.operators;
  return ops === undefined ? REPLACE : (ops[type] ?? ops['*'] ?? REPLACE);
}

/** Applies an operator to one matched value. `null` means the whole field goes. */
function applyOperator(engine: Engine, type: string, value: string): string | null {
  const op = operatorFor(engine, type);
  switch (op.op) {
    case 'replace':
      return op.label ?? `<${type}>`;
    case 'mask': {
      const keep = op.keepLast ?? 4;
      const ch = op.char ?? '*';
      let seen = 0;
      let out = '';
      for (let i = value.length - 1; i >= 0; i--) {
        const c = value[i]!;
        if (/[\p{L}\p{N}]/u.test(c)) {
          out = (seen < keep ? c : ch) + out;
          seen++;
        } else out = c + out;
      }
      return out;
    }
    case 'hash': {
      if (!engine.opts.hashKey)
        throw new RedactError('REDACT_CONFIG', `the hash operator for ${type} needs a hash key (hashKey)`);
      const digest = createHmac('sha256', engine.opts.hashKey).update(`${type}\u0000${value}`).digest('hex');
      return `<${type}:${digest.slice(0, op.length ?? 16)}>`;
    }
    case 'drop':
      return null;
    case 'pseudonymize':
      if (!engine.opts.pseudonyms)
        throw new RedactError('REDACT_CONFIG', `the pseudonymize operator for ${type} needs a pseudonym vault`);
      return engine.opts.pseudonyms(type, value);
  }
}

function checkDeadline(engine: Engine): void {
  if (engine.opts.deadline !== undefined && ++engine.checks % 64 === 0 && performance.now() > engine.opts.deadline) {
    throw new RedactError('REDACT_TIMEOUT', 'redaction did not finish within its time budget');
  }
}

/** A path, or a function that gives it: paths are built only when a rule or a finding needs one. */
type PathRef = string | (() => string);
const pathOf = (p: PathRef): string => (typeof p === 'string' ? p : p());

function ruleFor(engine: Engine, path: PathRef): CompiledRule | undefined {
  if (engine.rules.length === 0) return undefined;
  const at = pathOf(path);
  return engine.rules.find((r) => r.matches(at));
}

/** Whether `value`, after leading whitespace, opens a JSON object or array. */
function looksLikeJson(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) return value.length > 1;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  }
  return false;
}

/**
 * Redacts one string value. Returns the new value (`null` to drop the field) and records findings.
 * `path` and field names give context; rules decide always/never.
 */
function redactValue(engine: Engine, value: string, path: PathRef, field: string, parent: string): string | null {
  checkDeadline(engine);
  const rule = ruleFor(engine, path);
  if (rule?.action === 'never') return value;
  if (rule?.action === 'redact') {
    const type = rule.type ?? 'REDACTED';
    engine.findings.push({ type, start: 0, end: value.length, score: 1, detector: 'field-rule', path: pathOf(path) });
    return applyOperator(engine, type, value);
  }
  // a JSON document inside a string (LLM tool-call arguments, say): redact it structurally
  if (looksLikeJson(value) && isValidJson(value, engine.opts.maxDepth ?? 512)) {
    return redactJsonText(engine, value, pathOf(path));
  }
  const detectOptions = engine.detectOptions;
  detectOptions.fieldName = field;
  detectOptions.parentName = parent;
  const first = engine.findings.length;
  if (detectInto(value, detectOptions, engine.findings, path) === 0) return value;
  let out = '';
  let last = 0;
  for (let i = first; i < engine.findings.length; i++) {
    const f = engine.findings[i]!;
    const replacement = applyOperator(engine, f.type, value.slice(f.start, f.end));
    if (replacement === null) return null;
    out += value.slice(last, f.start) + replacement;
    last = f.end;
  }
  return out + value.slice(last);
}

// ---------------------------------------------------------------------------------------------
// JSON: a scanner that records edits (replaced values, dropped members) and splices them into the
// original text, so everything else is copied byte for byte

function jsonPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return keySafe(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

const KEYS = new KeyMemo();

class JsonRedactor {
  private pos = 0;
  /** Edits in text order, never overlapping: [start, end) of the input is replaced by the text. */
  private readonly editStart: number[] = [];
  private readonly editEnd: number[] = [];
  private readonly editText: string[] = [];
  /** Keys and indexes from the root to the value being read. */
  private readonly keys: (string | number)[] = [];
  /** paths[i]: the path of keys[0..i], for i below `pathsValid` (cut back when a key at or above changes). */
  private readonly paths: string[] = [];
  private pathsValid = 0;
  private readonly path = (): string => {
    const { keys, paths } = this;
    for (let i = this.pathsValid; i < keys.length; i++)
      paths[i] = jsonPath(i === 0 ? this.base : paths[i - 1]!, keys[i]!);
    this.pathsValid = keys.length;
    return keys.length === 0 ? this.base : paths[keys.length - 1]!;
  };
  private enter(key: string | number): void {
    if (this.pathsValid > this.keys.length) this.pathsValid = this.keys.length;
    this.keys.push(key);
  }
  private readonly maxDepth: number;

  constructor(
    private readonly engine: Engine,
    private readonly text: string,
    private readonly base: string,
  ) {
    this.maxDepth = engine.opts.maxDepth ?? 512;
  }

  private fail(reason: string): never {
    const { line, column } = lineColumn(this.text, this.pos);
    throw new RedactError(
      'REDACT_MALFORMED',
      `Malformed JSON at line ${line}, column ${column} (offset ${this.pos}): ${reason}`,
    );
  }

  private ws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  private edit(start: number, end: number, text: string): void {
    this.editStart.push(start);
    this.editEnd.push(end);
    this.editText.push(text);
  }

  /** Removes [start, end), taking in any removals already recorded inside it. */
  private remove(start: number, end: number): void {
    while (this.editStart.length > 0 && this.editStart[this.editStart.length - 1]! >= start) {
      this.editStart.pop();
      this.editEnd.pop();
      this.editText.pop();
    }
    this.edit(start, end, '');
  }

  /** Reads the string at pos; returns it decoded. */
  private string(): string {
    const t = this.text;
    const start = this.pos;
    const scan = scanJsonString(t, start);
    if (scan.end < 0) this.fail('unterminated string');
    if (scan.control >= 0) {
      this.pos = scan.control;
      this.fail('control character in a string (escape it)');
    }
    const end = scan.end;
    const escaped = scan.escaped;
    this.pos = end + 1;
    if (!escaped) return t.slice(start + 1, end);
    try {
      return JSON.parse(t.slice(start, end + 1)) as string;
    } catch {
      this.pos = start;
      return this.fail('invalid escape in a string');
    }
  }

  /** Reads the key at pos (the same string as last time when the text repeats it: see KeyMemo). */
  private key(depth: number, member: number): string {
    const quote = this.pos;
    const known = KEYS.known(this.text, quote, depth, member);
    if (known !== undefined) {
      this.pos = quote + known.length + 2;
      return known;
    }
    const key = this.string();
    KEYS.remember(depth, member, key, this.pos - quote - 2);
    return key;
  }

  /** Reads the value at pos, recording an edit when it changes; returns true when it is to be dropped. */
  private value(field: string, parent: string, depth: number): boolean {
    if (depth > this.maxDepth)
      throw new RedactError('REDACT_MALFORMED', `JSON nests deeper than ${this.maxDepth} levels`);
    this.ws();
    const t = this.text;
    const c = t.charCodeAt(this.pos);
    if (c === 0x7b) {
      this.object(field, depth);
      return false;
    }
    if (c === 0x5b) {
      this.array(field, parent, depth);
      return false;
    }
    const start = this.pos;
    if (c === 0x22) {
      const decoded = this.string();
      const out = redactValue(this.engine, decoded, this.path, field, parent);
      if (out === null) return true;
      if (out !== decoded) this.edit(start, this.pos, JSON.stringify(out));
      return false;
    }
    // number, boolean, null: checked and copied, unless a rule redacts the whole field
    if (c === 0x74 && t.startsWith('true', start)) this.pos += 4;
    else if (c === 0x66 && t.startsWith('false', start)) this.pos += 5;
    else if (c === 0x6e && t.startsWith('null', start)) {
      this.pos += 4;
      return false;
    } else {
      const end = scanJsonNumber(t, start);
      if (end < 0) this.fail('expected a value');
      this.pos = end;
    }
    const rule = ruleFor(this.engine, this.path);
    if (rule?.action === 'redact') {
      const out = redactValue(this.engine, t.slice(start, this.pos), this.path, field, parent);
      if (out === null) return true;
      this.edit(start, this.pos, JSON.stringify(out));
    }
    return false;
  }

  /**
   * After a member or item ending at `valueEnd`: on ',' returns true (more follow); on the closer
   * returns false. A dropped member or item goes with its separator: the one after it, or for the
   * last one the separator before it.
   */
  private next(itemStart: number, dropped: boolean, close: number, keptEnd: number): boolean {
    const t = this.text;
    const valueEnd = this.pos;
    this.ws();
    const d = t.charCodeAt(this.pos);
    if (d === 0x2c) {
      this.pos++;
      this.ws();
      if (dropped) this.remove(itemStart, this.pos);
      return true;
    }
    if (d === close) {
      this.pos++;
      if (dropped) this.remove(keptEnd >= 0 ? keptEnd : itemStart, valueEnd);
      return false;
    }
    return this.fail(`expected ',' or '${String.fromCharCode(close)}'`);
  }

  private object(field: string, depth: number): void {
    const t = this.text;
    this.pos++;
    this.ws();
    if (t.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return;
    }
    /** End of the last member kept so far (-1: none yet). */
    let keptEnd = -1;
    for (let member = 0; ; member++) {
      const memberStart = this.pos;
      if (t.charCodeAt(this.pos) !== 0x22) this.fail('expected a key');
      const key = this.key(depth, member);
      this.ws();
      if (t.charCodeAt(this.pos) !== 0x3a) this.fail("expected ':'");
      this.pos++;
      this.enter(key);
      const dropped = this.value(key, field, depth + 1);
      this.keys.pop();
      const valueEnd = this.pos;
      if (!this.next(memberStart, dropped, 0x7d, keptEnd)) return;
      if (!dropped) keptEnd = valueEnd;
    }
  }

  private array(field: string, parent: string, depth: number): void {
    const t = this.text;
    this.pos++;
    this.ws();
    if (t.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return;
    }
    let keptEnd = -1;
    for (let i = 0; ; i++) {
      this.ws();
      const itemStart = this.pos;
      this.enter(i);
      // items of an array take the array's field name as their context
      const dropped = this.value(field, parent, depth + 1);
      this.keys.pop();
      const valueEnd = this.pos;
      if (!this.next(itemStart, dropped, 0x5d, keptEnd)) return;
      if (!dropped) keptEnd = valueEnd;
    }
  }

  /** The redacted text (a dropped root value becomes `null`). */
  run(): string {
    this.ws();
    const rootStart = this.pos;
    if (this.value('', '', 0)) this.edit(rootStart, this.pos, 'null');
    this.ws();
    if (this.pos < this.text.length) this.fail('unexpected text after the JSON value');
    const t = this.text;
    const n = this.editStart.length;
    if (n === 0) return t;
    let out = '';
    let last = 0;
    for (let i = 0; i < n; i++) {
      out += t.slice(last, this.editStart[i]) + this.editText[i]!;
      last = this.editEnd[i]!;
    }
    return out + t.slice(last);
  }
}

/** Redacts JSON text; whitespace and everything not redacted is kept byte for byte. */
function redactJsonText(engine: Engine, text: string, path: string): string {
  return new JsonRedactor(engine, text, path).run();
}

// ---------------------------------------------------------------------------------------------
// XML: re-serialized from the reader's events; names, prefixes, declarations and attribute order kept

const ELEMENT_ONLY_PATH = (stack: string[]): string => `/${stack.join('/')}`;

function redactXml(engine: Engine, xml: string): string {
  const out: string[] = [];
  const prolog = /^\uFEFF?\s*<\?xml[^?]*\?>/.exec(xml);
  if (prolog) out.push(prolog[0].replace(/^\uFEFF/, ''));
  const stack: string[] = [];
  const qnames: string[] = [];
  /** Whether the current start tag is still open (`<a` written, `>` not yet). */
  let open = false;
  const closeStart = (): void => {
    if (open) {
      out.push('>');
      open = false;
    }
  };
  let text = '';
  let textCdata = false;
  const flushText = (): void => {
    if (text === '') return;
    const name = stack[stack.length - 1] ?? '';
    const parent = stack[stack.length - 2] ?? '';
    const value = /^[ \t\r\n]*$/.test(text)
      ? text
      : redactValue(engine, text, () => ELEMENT_ONLY_PATH(stack), name, parent);
    closeStart();
    if (value !== null) {
      if (textCdata && !value.includes(']]>')) out.push(`<![CDATA[${value}]]>`);
      else out.push(escapeXml(value));
    }
    text = '';
    textCdata = false;
  };
  try {
    readXml(
      xml,
      {
        startElement(qname, _prefix, local, _uri, _attrs, _decls, ordered) {
          flushText();
          closeStart();
          stack.push(local);
          qnames.push(qname);
          let tag = `<${qname}`;
          for (const [name, value] of ordered) {
            const isDecl = name === 'xmlns' || name.startsWith('xmlns:');
            const localName = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
            const redacted = isDecl
              ? value
              : redactValue(engine, value, () => `${ELEMENT_ONLY_PATH(stack)}/@${localName}`, localName, local);
            if (redacted === null) continue;
            tag += ` ${name}="${escapeXml(redacted, true)}"`;
          }
          out.push(tag);
          open = true;
        },
        endElement() {
          flushText();
          const qname = qnames.pop()!;
          stack.pop();
          if (open) {
            out.push('/>');
            open = false;
          } else out.push(`</${qname}>`);
        },
        text(value, cdata) {
          text += value;
          textCdata = textCdata || cdata;
        },
        processingInstruction(target, data) {
          flushText();
          closeStart();
          out.push(`<?${target}${data === '' ? '' : ` ${data}`}?>`);
        },
        comment(body) {
          flushText();
          closeStart();
          // comments are scanned too: PII in a comment is still PII
          const value = redactValue(
            engine,
            body,
            `${ELEMENT_ONLY_PATH(stack)}/comment()`,
            '',
            stack[stack.length - 1] ?? '',
          );
          if (value !== null) out.push(`<!--${value.replace(/--/g, '- -').replace(/-$/, '- ')}-->`);
        },
      },
      { maxDepth: engine.opts.maxDepth ?? 512 },
    );
  } catch (err) {
    if (err instanceof JsonXmlError) throw new RedactError('REDACT_MALFORMED', err.message);
    throw err;
  }
  return out.join('');
}

// ---------------------------------------------------------------------------------------------

export type BodyKind = 'json' | 'xml' | 'text';

export function kindOf(contentType: string): BodyKind | undefined {
  const mt = contentType.split(';')[0]!.trim().toLowerCase();
  if (mt === 'application/json' || mt.endsWith('+json')) return 'json';
  if (mt === 'application/xml' || mt === 'text/xml' || mt.endsWith('+xml')) return 'xml';
  if (mt.startsWith('text/')) return 'text';
  return undefined;
}

/**
 * Redacts a body by its content type.
 * @throws {RedactError} REDACT_MALFORMED, REDACT_TIMEOUT, REDACT_CONFIG, REDACT_UNSUPPORTED_TYPE
 */
export function redact(body: string, opts: RedactOptions): RedactResult {
  const kind = kindOf(opts.contentType);
  if (!kind)
    throw new RedactError(
      'REDACT_UNSUPPORTED_TYPE',
      `content type ${opts.contentType} cannot be redacted (JSON, XML and text/* can)`,
    );
  const types = opts.types ?? DEFAULT_TYPES;
  const engine: Engine = {
    opts,
    // one shape for every call (fieldName and parentName change per value)
    detectOptions: {
      types,
      fieldName: '',
      parentName: '',
      defaultCountry: opts.defaultCountry,
      phoneRegions: opts.phoneRegions,
      custom: opts.custom,
      now: opts.now,
      deadline: opts.deadline,
    },
    types,
    rules: (opts.rules ?? []).map((r) => compileRule(r, kind === 'xml' ? 'xpath' : 'jsonpath')),
    findings: [],
    checks: 0,
  };
  let out: string;
  if (kind === 'json') {
    // the scan below checks the grammar as it goes; with pseudonyms (which store values) the body is
    // checked first, so a malformed body stores nothing
    if (opts.pseudonyms && !isValidJson(body, opts.maxDepth ?? 512))
      throw new RedactError('REDACT_MALFORMED', 'the body is not JSON (or nests too deeply)');
    out = redactJsonText(engine, body, '$');
  } else if (kind === 'xml') {
    out = redactXml(engine, body);
  } else {
    out = redactValue(engine, body, '', '', '') ?? '';
  }
  const summary: Record<string, number> = {};
  for (const f of engine.findings) summary[f.type] = (summary[f.type] ?? 0) + 1;
  return { body: out, findings: engine.findings, summary };
}

/** `EMAIL=2,PHONE=1`: counts only, for the `X-Redaction-Summary` header. */
export function summaryHeader(summary: Readonly<Record<string, number>>): string {
  return Object.entries(summary)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([t, n]) => `${t}=${n}`)
    .join(',');
}
