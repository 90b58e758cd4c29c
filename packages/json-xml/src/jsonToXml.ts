/**
 * @fileoverview JSON → XML as WSO2 Synapse builds it (JsonDataSource / StAXON JsonXMLStreamReader):
 * one recursive pass over the JSON text that keeps number text, key order and duplicate keys.
 * Rules: `docs/json-xml-rules.md` §2 (shared docs) and the package README.
 */
import { checkLength, JsonXmlError } from './errors';
import { lineColumn, scanJsonString } from './losslessJson';
import { resolveSettings, type Settings } from './properties';
import type { ConvertOptions } from './xmlToJson';

const NC_START =
  /[A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]/;
const NC_CHAR =
  /[-.0-9A-Z_a-z\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C-\u200D\u203F-\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]/;
const NCNAME_RE =
  /^[A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD][-.0-9A-Z_a-z\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C-\u200D\u203F-\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]*$/;
const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
/** Text needing work: markup characters, and characters XML 1.0 does not allow (written as `\uXXXX` text). */
const TEXT_SPECIAL = /[&<>\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
const ATTR_SPECIAL = /[&<>"\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

function illegalXmlChar(c: number, s: string, i: number): boolean {
  if (c < 0x20) return c !== 0x09 && c !== 0x0a && c !== 0x0d;
  if (c === 0xfffe || c === 0xffff) return true;
  if (c >= 0xd800 && c <= 0xdbff) {
    const d = s.charCodeAt(i + 1);
    return !(d >= 0xdc00 && d <= 0xdfff);
  }
  if (c >= 0xdc00 && c <= 0xdfff) {
    const b = s.charCodeAt(i - 1);
    return !(b >= 0xd800 && b <= 0xdbff);
  }
  return false;
}

/**
 * Escapes text for XML as Synapse does (`& < >`; `"` too in attributes). Characters XML cannot carry
 * (controls other than tab, newline and carriage return; unpaired surrogates) become the literal text
 * `\uXXXX`, as WSO2's gateway writes them.
 */
export function escapeXml(s: string, attribute = false): string {
  if (!(attribute ? ATTR_SPECIAL : TEXT_SPECIAL).test(s)) return s;
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c === 0x26) rep = '&amp;';
    else if (c === 0x3c) rep = '&lt;';
    else if (c === 0x3e) rep = '&gt;';
    else if (c === 0x22 && attribute) rep = '&quot;';
    else if (illegalXmlChar(c, s, i)) rep = `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    if (rep !== undefined) {
      out += s.slice(last, i) + rep;
      last = i + 1;
    }
  }
  return out + s.slice(last);
}

/**
 * Converts JSON text to the XML WSO2's gateway builds from it.
 * @param props Synapse properties by their synapse.properties (or MI deployment.toml) names.
 * @returns the XML, or '' for empty input (WSO2 builds no payload).
 * @throws {JsonXmlError} with a code and a message that says where.
 */
export function jsonToXml(
  json: string,
  props?: Readonly<Record<string, string | boolean>>,
  options: ConvertOptions = {},
): string {
  const settings = resolveSettings(props);
  checkLength(json, 'JSON', options.maxLength);
  return new JsonToXml(json, settings, options.maxDepth ?? 512).convert();
}

/** What the last primitive() read: a string (decoded), a number or boolean (raw text), or null. */
const enum Kind {
  String,
  Literal,
  Null,
}

class JsonToXml {
  private pos: number;
  private kind = Kind.Null;
  /** Output pieces, joined once at the end: nested string building would copy the body at every level. */
  private readonly out: string[] = [];
  /** Indices in `out` of start tags still waiting for their attributes (the open objects). */
  private readonly pending: number[] = [];
  /** `<name>`, `</name>` and `<name/>` per element name, so a leaf adds no new strings but its text. */
  private readonly tags = new Map<string, { open: string; close: string; empty: string }>();
  private readonly names = new Map<string, string>();

  constructor(
    private readonly text: string,
    private readonly s: Settings,
    private readonly maxDepth: number,
  ) {
    this.pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  private fail(reason: string, at = this.pos): never {
    const where = lineColumn(this.text, Math.min(at, this.text.length));
    throw new JsonXmlError(
      'JSONXML_MALFORMED_JSON',
      `Malformed JSON at line ${where.line}, column ${where.column}: ${reason}`,
      where,
    );
  }

  private describe(at = this.pos): string {
    const ch = this.text[at];
    return ch === undefined ? 'end of input' : `'${ch === '\n' ? '\\n' : ch}'`;
  }

  private ws(): void {
    const t = this.text;
    const n = t.length;
    let p = this.pos;
    while (p < n) {
      const c = t.charCodeAt(p);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }

  convert(): string {
    this.ws();
    if (this.pos >= this.text.length) return '';
    const c = this.text.charCodeAt(this.pos);
    // WSO2's scanner stops when the root value closes: anything after it is ignored
    if (c === 0x7b) {
      this.pos++;
      this.objectElement('jsonObject', 1, '');
    } else if (c === 0x5b) {
      this.pos++;
      this.anonymousArray(1);
    } else {
      const start = this.pos;
      this.primitive();
      this.out.push('<jsonValue>', escapeXml(this.text.slice(start, this.pos)), '</jsonValue>');
    }
    return this.out.join('');
  }

  /** The JSON key as an XML name: `_JsonReader_PD_` / `_JsonReader_PS_` prefixes, and `_JsonReader_<code>_` with buildValidNCNames. */
  private name(key: string, at: number): string {
    const hit = this.names.get(key);
    if (hit !== undefined) return hit;
    let name = key;
    const first = key.charCodeAt(0);
    if (first >= 0x30 && first <= 0x39) name = `_JsonReader_PD_${key}`;
    else if (first === 0x24) name = `_JsonReader_PS_${key.slice(1)}`;
    if (!NCNAME_RE.test(name)) {
      if (this.s.buildValidNCNames && name !== '') {
        let out = '';
        for (const ch of name) {
          const ok = out === '' ? NC_START.test(ch) : NC_CHAR.test(ch);
          out += ok ? ch : `_JsonReader_${ch.codePointAt(0)!}_`;
        }
        name = out;
      } else {
        const where = lineColumn(this.text, at);
        throw new JsonXmlError(
          'JSONXML_INVALID_NAME',
          `The JSON key ${JSON.stringify(key)} at line ${where.line}, column ${where.column} is not a valid XML element name, so the XML would not be well-formed. ` +
            (name === ''
              ? 'An empty key cannot be converted; rename it.'
              : 'Set synapse.commons.json.buildValidNCNames=true to encode it (as WSO2 does), or rename the key.'),
          where,
        );
      }
    }
    if (this.names.size < 4096) this.names.set(key, name);
    return name;
  }

  private string(): string {
    const t = this.text;
    const start = this.pos + 1;
    // WSO2's scanner takes raw control characters inside strings; so does this converter
    const scan = scanJsonString(t, this.pos);
    if (scan.end < 0) this.fail('unterminated string', this.pos);
    const i = scan.end;
    const control = scan.control >= 0;
    const at = this.pos;
    this.pos = i + 1;
    if (!scan.escaped) return t.slice(start, i);
    let literal = t.slice(start - 1, i + 1);
    if (control)
      literal = literal.replace(/[\u0000-\u001f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
    try {
      return JSON.parse(literal) as string;
    } catch {
      return this.fail('invalid escape sequence in string', at);
    }
  }

  /** Reads a string, number, boolean or null; returns its text and sets `kind`. */
  private primitive(): string {
    const t = this.text;
    const c = t.charCodeAt(this.pos);
    if (c === 0x22) {
      this.kind = Kind.String;
      return this.string();
    }
    this.kind = Kind.Literal;
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      NUMBER_RE.lastIndex = this.pos;
      const m = NUMBER_RE.exec(t);
      if (!m) this.fail('invalid number');
      this.pos += m![0].length;
      const next = t.charCodeAt(this.pos);
      if ((next >= 0x30 && next <= 0x39) || next === 0x2e || next === 0x65 || next === 0x45)
        this.fail('invalid number');
      return m![0];
    }
    if (t.startsWith('true', this.pos)) {
      this.pos += 4;
      return 'true';
    }
    if (t.startsWith('false', this.pos)) {
      this.pos += 5;
      return 'false';
    }
    if (t.startsWith('null', this.pos)) {
      this.pos += 4;
      this.kind = Kind.Null;
      return '';
    }
    return this.fail(`unexpected ${this.describe()} (expected a value)`);
  }

  private checkDepth(depth: number): void {
    if (depth > this.maxDepth) {
      const where = lineColumn(this.text, this.pos);
      throw new JsonXmlError(
        'JSONXML_TOO_DEEP',
        `JSON at line ${where.line}, column ${where.column} nests deeper than ${this.maxDepth} levels.`,
        where,
      );
    }
  }

  private tagsOf(name: string): { open: string; close: string; empty: string } {
    let t = this.tags.get(name);
    if (!t) {
      t = { open: `<${name}>`, close: `</${name}>`, empty: `<${name}/>` };
      this.tags.set(name, t);
    }
    return t;
  }

  /** An element for a primitive: text, or empty for null and "" (nil="true" for null with enableXmlNilReadWrite). */
  private leaf(name: string, value: string): void {
    const t = this.tagsOf(name);
    if (this.kind === Kind.Null) {
      this.out.push(this.s.nil ? `<${name} nil="true"/>` : t.empty);
      return;
    }
    const text = this.kind === Kind.String ? escapeXml(value) : value;
    if (text === '') this.out.push(t.empty);
    else this.out.push(t.open, text, t.close);
    this.compact();
  }

  /** Joins the finished pieces after the last open start tag into one string, so memory stays near the output size. */
  private compact(): void {
    const base = this.pending.length === 0 ? 0 : this.pending[this.pending.length - 1]! + 1;
    if (this.out.length - base > 4096) this.out.push(this.out.splice(base).join(''));
  }

  /** The element for any value under `name`. */
  private element(name: string, depth: number): void {
    const c = this.text.charCodeAt(this.pos);
    if (c === 0x7b) {
      this.checkDepth(depth);
      this.pos++;
      this.objectElement(name, depth, name);
    } else if (c === 0x5b) {
      this.checkDepth(depth);
      this.pos++;
      const t = this.tagsOf(name);
      this.out.push(t.open);
      this.anonymousArray(depth + 1);
      this.out.push(t.close);
    } else {
      this.leaf(name, this.primitive());
    }
  }

  /** `<name attrs>members</name>` (or `<name attrs/>`); the start tag is filled in once the attributes are known. */
  private objectElement(name: string, depth: number, owner: string): void {
    const open = this.out.length;
    this.out.push('');
    this.pending.push(open);
    const attrs = this.members(depth, owner);
    this.pending.pop();
    const t = this.tagsOf(name);
    if (this.out.length === open + 1) {
      this.out[open] = attrs === '' ? t.empty : `<${name}${attrs}/>`;
    } else {
      this.out[open] = attrs === '' ? t.open : `<${name}${attrs}>`;
      this.out.push(t.close);
    }
  }

  /** `<jsonArray>` with each item in `<jsonElement>`; pos is after '['. */
  private anonymousArray(depth: number): void {
    this.checkDepth(depth);
    const open = this.out.length;
    this.out.push('<jsonArray>');
    if (this.s.xmlOutPI) this.out.push('<?xml-multiple jsonElement?>');
    this.ws();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      if (this.out.length === open + 1) this.out[open] = '<jsonArray/>';
      else this.out.push('</jsonArray>');
      return;
    }
    for (;;) {
      this.ws();
      this.element('jsonElement', depth + 1);
      this.ws();
      const d = this.text.charCodeAt(this.pos);
      this.pos++;
      if (d === 0x2c) continue;
      if (d === 0x5d) {
        this.out.push('</jsonArray>');
        return;
      }
      this.fail(`unexpected ${this.describe(this.pos - 1)} (expected ',' or ']')`, this.pos - 1);
    }
  }

  /** A named array: one element per item, `<?xml-multiple key?>` first in PI mode; pos is after '['. */
  private namedArray(key: string, name: string, depth: number): void {
    this.checkDepth(depth);
    if (this.s.xmlOutPI) {
      if (key.includes('?>'))
        this.fail(`the key ${JSON.stringify(key)} cannot be written in an <?xml-multiple?> processing instruction`);
      this.out.push(`<?xml-multiple ${key}?>`);
    }
    this.ws();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return;
    }
    for (;;) {
      this.ws();
      this.element(name, depth + 1);
      this.ws();
      const d = this.text.charCodeAt(this.pos);
      this.pos++;
      if (d === 0x2c) continue;
      if (d === 0x5d) return;
      this.fail(`unexpected ${this.describe(this.pos - 1)} (expected ',' or ']')`, this.pos - 1);
    }
  }

  /** An object's members: `@` keys as attributes (returned), `$` as text, the rest as child elements; pos is after '{'. */
  private members(depth: number, owner: string): string {
    let attrs = '';
    let seenArray = false;
    this.ws();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return attrs;
    }
    for (;;) {
      this.ws();
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail(`unexpected ${this.describe()} (expected a string key)`);
      const keyAt = this.pos;
      const key = this.string();
      this.ws();
      if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail(`unexpected ${this.describe()} (expected ':')`);
      this.pos++;
      this.ws();
      const c = this.text.charCodeAt(this.pos);
      if (key.length > 1 && key.charCodeAt(0) === 0x40) {
        const rendered = this.attribute(key, keyAt, depth);
        // WSO2 drops attributes that follow an array-valued member (wso2/product-ei#4749)
        if (!seenArray) attrs += rendered;
      } else if (key === '$') {
        if (c === 0x7b || c === 0x5b) {
          const where = lineColumn(this.text, keyAt);
          throw new JsonXmlError(
            'JSONXML_DOLLAR_OBJECT',
            `The "$" key at line ${where.line}, column ${where.column}${owner ? ` (in ${JSON.stringify(owner)})` : ''} holds ${c === 0x7b ? 'an object' : 'an array'}; "$" is the element text and must be a string, number, boolean or null (WSO2 fails on this too).`,
            where,
          );
        }
        const value = this.primitive();
        if (this.kind === Kind.String) {
          const text = escapeXml(value);
          if (text !== '') this.out.push(text);
        } else if (this.kind === Kind.Literal) this.out.push(value);
      } else if (c === 0x5b) {
        seenArray = true;
        this.pos++;
        this.namedArray(key, this.name(key, keyAt), depth);
      } else {
        this.element(this.name(key, keyAt), depth + 1);
      }
      this.ws();
      const d = this.text.charCodeAt(this.pos);
      this.pos++;
      if (d === 0x2c) continue;
      if (d === 0x7d) return attrs;
      this.fail(`unexpected ${this.describe(this.pos - 1)} (expected ',' or '}')`, this.pos - 1);
    }
  }

  /** ` name="value"` for an `@key`; an object value spreads its members as attributes (wso2/api-manager#2082). */
  private attribute(key: string, keyAt: number, depth: number): string {
    const c = this.text.charCodeAt(this.pos);
    if (c === 0x5b) {
      const where = lineColumn(this.text, keyAt);
      throw new JsonXmlError(
        'JSONXML_UNSUPPORTED',
        `The attribute key ${JSON.stringify(key)} at line ${where.line}, column ${where.column} holds an array; an attribute takes one value.`,
        where,
      );
    }
    if (c === 0x7b) {
      this.checkDepth(depth + 1);
      this.pos++;
      let out = '';
      this.ws();
      if (this.text.charCodeAt(this.pos) === 0x7d) {
        this.pos++;
        return out;
      }
      for (;;) {
        this.ws();
        if (this.text.charCodeAt(this.pos) !== 0x22) this.fail(`unexpected ${this.describe()} (expected a string key)`);
        const innerAt = this.pos;
        const inner = this.string();
        this.ws();
        if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail(`unexpected ${this.describe()} (expected ':')`);
        this.pos++;
        this.ws();
        const v = this.text.charCodeAt(this.pos);
        if (v === 0x7b || v === 0x5b) {
          const where = lineColumn(this.text, innerAt);
          throw new JsonXmlError(
            'JSONXML_UNSUPPORTED',
            `The attribute ${JSON.stringify(inner)} at line ${where.line}, column ${where.column} (inside ${JSON.stringify(key)}) holds ${v === 0x7b ? 'an object' : 'an array'}; attributes take a string, number or boolean.`,
            where,
          );
        }
        out += this.attributeText(this.name(inner, innerAt), this.primitive());
        this.ws();
        const d = this.text.charCodeAt(this.pos);
        this.pos++;
        if (d === 0x2c) continue;
        if (d === 0x7d) return out;
        this.fail(`unexpected ${this.describe(this.pos - 1)} (expected ',' or '}')`, this.pos - 1);
      }
    }
    return this.attributeText(this.name(key.slice(1), keyAt), this.primitive());
  }

  private attributeText(name: string, raw: string): string {
    const value = this.kind === Kind.String ? escapeXml(raw, true) : raw;
    return ` ${name}="${value}"`;
  }
}
