/**
 * @fileoverview Structure-aware redaction. JSON and XML are parsed first and only string values (XML
 * text and attribute values) are scanned, with escapes decoded before detection; keys, element names
 * and namespaces are never changed, everything that is not redacted is copied as it was, and the
 * output is always well-formed.
 */
import { createHmac } from 'node:crypto';
import { escapeXml, isValidJson, JsonXmlError, readXml, scanJsonString } from '@synapse-ai/json-xml';
import { detect, DEFAULT_TYPES, type CustomDetector, type DetectOptions, type Finding } from './detectors';
import { RedactError } from './errors';
import { compileRule, type CompiledRule, type FieldRule } from './rules';

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
  defaultCountry?: string;
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

function operatorFor(engine: Engine, type: string): Operator {
  return engine.opts.operators?.[type] ?? engine.opts.operators?.['*'] ?? { op: 'replace' };
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

/**
 * Redacts one string value. Returns the new value (`null` to drop the field) and records findings.
 * `path` and field names give context; rules decide always/never.
 */
function redactValue(engine: Engine, value: string, path: string, field: string, parent: string): string | null {
  checkDeadline(engine);
  const rule = engine.rules.find((r) => r.matches(path));
  if (rule?.action === 'never') return value;
  if (rule?.action === 'redact') {
    const type = rule.type ?? 'REDACTED';
    engine.findings.push({ type, start: 0, end: value.length, score: 1, detector: 'field-rule', path });
    return applyOperator(engine, type, value);
  }
  // a JSON document inside a string (LLM tool-call arguments, say): redact it structurally
  const trimmed = value.trimStart();
  if (
    (trimmed.startsWith('{') || trimmed.startsWith('[')) &&
    value.length > 1 &&
    isValidJson(value.trim(), engine.opts.maxDepth ?? 512)
  ) {
    return redactJsonText(engine, value, `${path}`);
  }
  const detectOptions = engine.detectOptions;
  detectOptions.fieldName = field;
  detectOptions.parentName = parent;
  const found = detect(value, detectOptions);
  if (found.length === 0) return value;
  let out = '';
  let last = 0;
  for (const f of found) {
    engine.findings.push({ ...f, path });
    const replacement = applyOperator(engine, f.type, value.slice(f.start, f.end));
    if (replacement === null) return null;
    out += value.slice(last, f.start) + replacement;
    last = f.end;
  }
  return out + value.slice(last);
}

// ---------------------------------------------------------------------------------------------
// JSON: a scanner that copies the text and rewrites only string values

const KEY_SAFE = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function jsonPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return KEY_SAFE.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

class JsonRedactor {
  private pos = 0;
  /** Values replaced or dropped so far: a container with none inside is copied as one slice. */
  private edits = 0;
  constructor(
    private readonly engine: Engine,
    private readonly text: string,
  ) {}

  private fail(reason: string): never {
    throw new RedactError('REDACT_MALFORMED', `Malformed JSON at offset ${this.pos}: ${reason}`);
  }

  private ws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  /** Returns [raw, decoded] of the string at pos. */
  private string(): [string, string] {
    const t = this.text;
    const start = this.pos;
    const scan = scanJsonString(t, start);
    if (scan.end < 0) this.fail('unterminated string');
    const i = scan.end;
    const escaped = scan.escaped;
    this.pos = i + 1;
    const raw = t.slice(start, i + 1);
    return [raw, escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1)];
  }

  /** Rewrites the value at pos; returns its new text, or null when the field is dropped. */
  value(path: string, field: string, parent: string, depth: number): string | null {
    if (depth > (this.engine.opts.maxDepth ?? 512))
      throw new RedactError('REDACT_MALFORMED', `JSON nests deeper than ${this.engine.opts.maxDepth ?? 512} levels`);
    this.ws();
    const t = this.text;
    const c = t.charCodeAt(this.pos);
    if (c === 0x7b) return this.object(path, field, depth);
    if (c === 0x5b) return this.array(path, field, parent, depth);
    const start = this.pos;
    if (c === 0x22) {
      const [raw, decoded] = this.string();
      const rule = this.engine.rules.find((r) => r.matches(path));
      const out = redactValue(this.engine, decoded, path, field, parent);
      if (out === null) {
        this.edits++;
        return null;
      }
      if (out === decoded && rule?.action !== 'redact') return raw;
      this.edits++;
      return JSON.stringify(out);
    }
    // number, boolean, null: copied, unless a rule redacts the whole field
    while (this.pos < t.length && !/[\s,\]}]/.test(t[this.pos]!)) this.pos++;
    const raw = t.slice(start, this.pos);
    if (raw === '') this.fail('expected a value');
    const rule = this.engine.rules.find((r) => r.matches(path));
    if (rule?.action === 'redact' && raw !== 'null') {
      this.edits++;
      const out = redactValue(this.engine, raw, path, field, parent);
      return out === null ? null : JSON.stringify(out);
    }
    return raw;
  }

  /** `[lead]item[sep]item[sep]item[trail]` with dropped items and their separators left out. */
  private static join(lead: string, items: { text: string; sep: string }[], trail: string): string {
    let out = lead;
    for (let i = 0; i < items.length; i++)
      out += i < items.length - 1 ? items[i]!.text + items[i]!.sep : items[i]!.text;
    return out + trail;
  }

  /**
   * After a member or item: on ',' records it with its separator and returns undefined (more follow);
   * on the closer records it and returns the whitespace before the closer.
   */
  private afterItem(items: { text: string; sep: string }[], text: string | null, close: number): string | undefined {
    const t = this.text;
    const afterValue = this.pos;
    this.ws();
    const d = t.charCodeAt(this.pos);
    if (d === 0x2c) {
      this.pos++;
      this.ws();
      if (text !== null) items.push({ text, sep: t.slice(afterValue, this.pos) });
      return undefined;
    }
    if (d === close) {
      const trail = t.slice(afterValue, this.pos);
      this.pos++;
      if (text !== null) items.push({ text, sep: '' });
      return trail;
    }
    return this.fail(`expected ',' or '${String.fromCharCode(close)}'`);
  }

  private object(path: string, field: string, depth: number): string | null {
    const t = this.text;
    const open = this.pos;
    this.pos++;
    this.ws();
    if (t.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return t.slice(open, this.pos);
    }
    const lead = t.slice(open + 1, this.pos);
    const items: { text: string; sep: string }[] = [];
    const editsBefore = this.edits;
    for (;;) {
      const memberStart = this.pos;
      if (t.charCodeAt(this.pos) !== 0x22) this.fail('expected a key');
      const [, key] = this.string();
      this.ws();
      if (t.charCodeAt(this.pos) !== 0x3a) this.fail("expected ':'");
      this.pos++;
      this.ws();
      const head = t.slice(memberStart, this.pos);
      const v = this.value(jsonPath(path, key), key, field, depth + 1);
      const trail = this.afterItem(items, v === null ? null : head + v, 0x7d);
      if (trail === undefined) continue;
      if (this.edits === editsBefore) return t.slice(open, this.pos);
      return `{${JsonRedactor.join(lead, items, trail)}}`;
    }
  }

  private array(path: string, field: string, parent: string, depth: number): string | null {
    const t = this.text;
    const open = this.pos;
    this.pos++;
    this.ws();
    if (t.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return t.slice(open, this.pos);
    }
    const lead = t.slice(open + 1, this.pos);
    const items: { text: string; sep: string }[] = [];
    const editsBefore = this.edits;
    for (let i = 0; ; i++) {
      // items of an array take the array's field name as their context
      const v = this.value(jsonPath(path, i), field, parent, depth + 1);
      const trail = this.afterItem(items, v, 0x5d);
      if (trail === undefined) continue;
      if (this.edits === editsBefore) return t.slice(open, this.pos);
      return `[${JsonRedactor.join(lead, items, trail)}]`;
    }
  }

  run(path: string): string {
    const out = this.value(path, '', '', 0);
    this.ws();
    if (this.pos < this.text.length) this.fail('unexpected text after the JSON value');
    return out ?? 'null';
  }
}

function redactJsonText(engine: Engine, text: string, path: string): string {
  // keep the separators between members as they were: only values change
  const start = text.length - text.trimStart().length;
  const end = text.trimEnd().length;
  const inner = new JsonRedactor(engine, text.slice(start, end)).run(path);
  return text.slice(0, start) + inner + text.slice(end);
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
    const value = /^[ \t\r\n]*$/.test(text) ? text : redactValue(engine, text, ELEMENT_ONLY_PATH(stack), name, parent);
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
              : redactValue(engine, value, `${ELEMENT_ONLY_PATH(stack)}/@${localName}`, localName, local);
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
    detectOptions: {
      types,
      ...(opts.defaultCountry ? { defaultCountry: opts.defaultCountry } : {}),
      ...(opts.custom ? { custom: opts.custom } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    },
    types,
    rules: (opts.rules ?? []).map((r) => compileRule(r, kind === 'xml' ? 'xpath' : 'jsonpath')),
    findings: [],
    checks: 0,
  };
  let out: string;
  if (kind === 'json') {
    if (!isValidJson(body.trim(), opts.maxDepth ?? 512))
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
