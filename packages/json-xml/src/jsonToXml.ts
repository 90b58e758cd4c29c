/**
 * @fileoverview JSON → XML as WSO2 Synapse builds it (JsonDataSource / StAXON JsonXMLStreamReader):
 * one recursive pass over the JSON text that keeps number text, key order and duplicate keys.
 * Rules: `docs/json-xml-rules.md` §2 (shared docs) and the package README.
 */
import { checkLength, JsonXmlError } from './errors';
import { KeyMemo, lineColumn, scanJsonNumber, scanJsonString } from './losslessJson';
import { isAxis2NCNameUnit, javaHashMapOrder } from './java';
import { resolveSettings, type Settings } from './properties';
import type { ConvertOptions } from './xmlToJson';

const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

const NCNAME_RE =
  /^[A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD][-.0-9A-Z_a-z\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C-\u200D\u203F-\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]*$/;
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

/** Characters Woodstox (the XML writer under Axiom) cannot write in XML 1.0 text or attributes. */
const WRITE_SPECIAL = /[&<>"\r\t\n\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF\uFFFE\uFFFF]/;

/**
 * Java's `StringEscapeUtils.escapeJava` (commons-text): `"` and `\` escaped, `\b \t \n \f \r` as such,
 * every other character outside U+0020..U+007F as `\uXXXX` (upper case; a supplementary character
 * as its two surrogates).
 */
export function escapeJava(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20 && c <= 0x7f) out += s[i];
    else if (c === 0x08) out += '\\b';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0d) out += '\\r';
    else out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return out;
}

/** Thrown by the writers below for what WSO2 cannot write; the converter turns it into a JsonXmlError. */
class Unwritable extends Error {}

function charRef(c: number): string {
  return `&#x${c.toString(16)};`;
}

/** One run of text as Woodstox writes it; returns the index of a character it refuses, or -1 and the text. */
function writeRun(s: string, attribute: boolean): { text: string; bad: number } {
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c === 0x26) rep = '&amp;';
    else if (c === 0x3c) rep = '&lt;';
    else if (c === 0x3e) rep = attribute ? undefined : '&gt;';
    else if (c === 0x22) rep = attribute ? '&quot;' : undefined;
    else if (c === 0x0d) rep = '&#xd;';
    else if (c === 0x09 || c === 0x0a) rep = attribute ? charRef(c) : undefined;
    else if (c < 0x20) return { text: out + s.slice(last, i), bad: i };
    else if (c >= 0x7f && c <= 0x9f) rep = attribute ? undefined : charRef(c);
    else if (c === 0xfffe || c === 0xffff) rep = charRef(c);
    else if (c >= 0xd800 && c <= 0xdfff) {
      const pair =
        c <= 0xdbff ? (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 : i > 0 && (s.charCodeAt(i - 1) & 0xfc00) === 0xd800;
      if (!pair)
        throw new Unwritable(
          'a lone surrogate (a broken UTF-16 pair), which WSO2 refuses to write ("Broken surrogate pair")',
        );
    }
    if (rep !== undefined) {
      out += s.slice(last, i) + rep;
      last = i + 1;
    }
  }
  return { text: out + s.slice(last), bad: -1 };
}

/** Whether Woodstox's char[] writer writes out its pending run at `s[i]` (it quotes that character). */
function quotedInArrayPath(s: string, i: number, runStart: number): boolean {
  const c = s.charCodeAt(i);
  if (c === 0x26 || c === 0x3c || c === 0x0d || (c >= 0x7f && c <= 0x9f) || c === 0xfffe || c === 0xffff) return true;
  return c === 0x3e && (i === runStart || s.charCodeAt(i - 1) === 0x5d);
}

/**
 * Element text as Micro Integrator writes it. Where the text holds a control character XML 1.0 cannot
 * carry, Axiom's OMText catches the writer's failure and writes the whole text again through
 * `escapeJava`; what the writer had already put out stays in front. Woodstox writes a text shorter
 * than 12 characters character by character (all of it before the control character stays:
 * `"ab\u0001"` → `ab` + `ab\u0001`); a longer one is copied in 512-character chunks, each written
 * run by run, a run going out when a character needs quoting (`&`, `<`, CR, C1 controls…), so what
 * stays is the chunks before the control character's and, in its chunk, the text up to the last
 * quoted character before it.
 */
function wso2Text(s: string): string {
  if (!WRITE_SPECIAL.test(s)) return s;
  const first = writeRun(s, false);
  if (first.bad < 0) return first.text;
  const k = first.bad;
  let written = k;
  if (s.length >= 12) {
    const chunkStart = k - (k % 512);
    written = chunkStart;
    for (let i = chunkStart; i < k; i++) if (quotedInArrayPath(s, i, written)) written = i + 1;
  }
  return writeRun(s.slice(0, written), false).text + writeRun(escapeJava(s), false).text;
}

/** An attribute value as Micro Integrator writes it; a control character makes WSO2 fail. */
function wso2Attribute(s: string): string {
  if (!WRITE_SPECIAL.test(s)) return s;
  const r = writeRun(s, true);
  if (r.bad >= 0) {
    throw new Unwritable(
      `the control character U+${s.charCodeAt(r.bad).toString(16).toUpperCase().padStart(4, '0')}, which XML 1.0 cannot carry in an attribute (WSO2 fails: "Invalid white space character")`,
    );
  }
  return r.text;
}

const QNAME_RE = new RegExp(`^${NCNAME_RE.source.slice(1, -1)}(?::${NCNAME_RE.source.slice(1, -1)})?$`);

/** WSO2 accepts a top-level JSON value only when the whole body is one of these (JsonUtil.getNewJsonPayload). */
// WSO2's test is startsWith("\"") && endsWith("\""): a lone quote passes it too
const TOP_VALUE_RE = /^(?:"(?:[\s\S]*")?|true|false|null|-?\d+(?:\.\d+)?)$/;

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

/**
 * Caches shared by all conversions (APIs send the same keys again and again): the element name of
 * a key, without and with buildValidNCNames, with its `<name>`, `</name>` and `<name/>` strings, so a
 * leaf adds no new strings but its text and costs one lookup. Each holds at most {@link CACHE_SIZE}
 * entries and starts over when full, so keys never seen again cannot grow it.
 */
const CACHE_SIZE = 4096;
/** An element name with its start, end and empty tags. */
interface Tags {
  name: string;
  open: string;
  close: string;
  empty: string;
}
const tagsFor = (name: string): Tags => ({ name, open: `<${name}>`, close: `</${name}>`, empty: `<${name}/>` });
const NAMES = new Map<string, Tags>();
const ENCODED_NAMES = new Map<string, Tags>();
const JSON_ELEMENT = tagsFor('jsonElement');
const JSON_OBJECT = tagsFor('jsonObject');

const KEYS = new KeyMemo();

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= CACHE_SIZE) cache.clear();
  cache.set(key, value);
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
  /** Element names (with their tags) per JSON key, shared by conversions with the same buildValidNCNames. */
  private readonly names: Map<string, Tags>;
  /** Where the string being written starts (for messages about what WSO2 cannot write). */
  private at = 0;

  constructor(
    private readonly text: string,
    private readonly s: Settings,
    private readonly maxDepth: number,
  ) {
    this.pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    this.names = s.buildValidNCNames ? ENCODED_NAMES : NAMES;
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
    try {
      return this.run();
    } catch (e) {
      if (e instanceof Unwritable) {
        const where = lineColumn(this.text, Math.min(this.at, this.text.length));
        throw new JsonXmlError(
          'JSONXML_UNSUPPORTED',
          `The JSON string at line ${where.line}, column ${where.column} holds ${e.message}.`,
          where,
        );
      }
      throw e;
    }
  }

  private run(): string {
    const t = this.text;
    const body = this.pos === 0 ? t : t.slice(this.pos);
    this.ws();
    if (this.pos >= t.length) {
      // WSO2 builds no payload for an empty body or one of spaces; any other whitespace is refused
      if (/^ *$/.test(body)) return '';
      return this.fail('the body is only whitespace, which WSO2 refuses ("Payload is not a JSON string")');
    }
    const c = t.charCodeAt(this.pos);
    // WSO2's scanner stops when the root value closes: anything after it is ignored
    if (c === 0x7b) {
      this.pos++;
      this.objectElement(JSON_OBJECT, 1, '');
    } else if (c === 0x5b) {
      this.pos++;
      this.anonymousArray(1);
    } else {
      // Micro Integrator's builder takes the whole body as the value's text, as it is
      if (!TOP_VALUE_RE.test(body)) {
        return this.fail(
          'a top-level JSON value must be the whole body, with nothing around it, and a string, true, false, null or a number without exponent ' +
            '(WSO2 refuses anything else: "Payload is not a JSON string")',
        );
      }
      this.at = this.pos;
      this.out.push('<jsonValue>', wso2Text(body), '</jsonValue>');
    }
    return this.out.join('');
  }

  /**
   * A member's `"key":` (and the whitespace around it); leaves pos at its value. `depth` and `member`
   * say where, for the memo of repeated keys (see KeyMemo).
   */
  private key(depth = -1, member = 0): string {
    const quote = this.pos;
    if (this.text.charCodeAt(quote) !== 0x22) this.fail(`unexpected ${this.describe()} (expected a string key)`);
    let key = depth < 0 ? undefined : KEYS.known(this.text, quote, depth, member);
    if (key !== undefined) {
      this.at = quote;
      this.pos = quote + key.length + 2;
    } else {
      key = this.string();
      if (depth >= 0) KEYS.remember(depth, member, key, this.pos - quote - 2);
    }
    this.ws();
    if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail(`unexpected ${this.describe()} (expected ':')`);
    this.pos++;
    this.ws();
    return key;
  }

  /** At the end of the input, or at a string that runs to it (taken as read when `consume`). */
  private truncatedHere(consume: boolean): boolean {
    if (this.pos >= this.text.length) return true;
    if (this.text.charCodeAt(this.pos) !== 0x22 || scanJsonString(this.text, this.pos).end >= 0) return false;
    if (consume) this.pos = this.text.length;
    return true;
  }

  /** The JSON key as an XML name: `_JsonReader_PD_` / `_JsonReader_PS_` prefixes, and `_JsonReader_<code>_` with buildValidNCNames. */
  private name(key: string, at: number): Tags {
    const hit = this.names.get(key);
    if (hit !== undefined) return hit;
    let name = key;
    const first = key.charCodeAt(0);
    if (first >= 0x30 && first <= 0x39) name = `_JsonReader_PD_${key}`;
    else if (first === 0x24) name = `_JsonReader_PS_${key.slice(1)}`;
    if (!NCNAME_RE.test(name)) {
      if (this.s.buildValidNCNames && name !== '') {
        // WSO2 (JsonReaderDelegate.toValidNCName) replaces each UTF-16 unit Axis2's XMLChar.isNCName
        // refuses; it never checks the first character as a name start
        let out = '';
        for (let i = 0; i < name.length; i++) {
          const unit = name.charCodeAt(i);
          out += isAxis2NCNameUnit(unit) ? name[i] : `_JsonReader_${unit}_`;
        }
        name = out;
      }
      if (!NCNAME_RE.test(name)) {
        const where = lineColumn(this.text, at);
        throw new JsonXmlError(
          'JSONXML_INVALID_NAME',
          `The JSON key ${JSON.stringify(key)} at line ${where.line}, column ${where.column} is not a valid XML element name, so the XML would not be well-formed. ` +
            (key === ''
              ? 'An empty key cannot be converted; rename it.'
              : this.s.buildValidNCNames
                ? `buildValidNCNames encodes only characters never allowed in names and leaves ${JSON.stringify(name[0])} at the start as it is (as WSO2 does); rename the key.`
                : 'Set synapse.commons.json.buildValidNCNames=true to encode it (as WSO2 does), or rename the key.'),
          where,
        );
      }
    }
    const tags = tagsFor(name);
    remember(this.names, key, tags);
    return tags;
  }

  private string(): string {
    this.at = this.pos;
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
      const start = this.pos;
      let end = scanJsonNumber(t, start);
      if (end < 0) {
        // a broken number: report where the longest valid start of it ends, as ever
        NUMBER_RE.lastIndex = start;
        const m = NUMBER_RE.exec(t);
        if (!m) this.fail('invalid number');
        end = start + m![0].length;
      }
      this.pos = end;
      const next = t.charCodeAt(end);
      if ((next >= 0x30 && next <= 0x39) || next === 0x2e || next === 0x65 || next === 0x45)
        this.fail('invalid number');
      return t.slice(start, end);
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

  /** An element for a primitive: text, or empty for null and "" (nil="true" for null with enableXmlNilReadWrite). */
  private leaf(t: Tags, value: string): void {
    if (this.kind === Kind.Null) {
      this.out.push(this.s.nil ? `<${t.name} nil="true"/>` : t.empty);
      return;
    }
    const text = this.kind === Kind.String ? wso2Text(value) : value;
    if (text === '') this.out.push(t.empty);
    else this.out.push(t.open + text + t.close);
    this.compact();
  }

  /** Joins the finished pieces after the last open start tag into one string, so memory stays near the output size. */
  private compact(): void {
    const base = this.pending.length === 0 ? 0 : this.pending[this.pending.length - 1]! + 1;
    if (this.out.length - base > 4096) this.out.push(this.out.splice(base).join(''));
  }

  /** The element for any value under `name`. */
  private element(t: Tags, depth: number): void {
    const c = this.text.charCodeAt(this.pos);
    if (c === 0x7b) {
      this.checkDepth(depth);
      this.pos++;
      this.objectElement(t, depth, t.name);
    } else if (c === 0x5b) {
      this.checkDepth(depth);
      this.pos++;
      this.out.push(t.open);
      this.anonymousArray(depth + 1);
      this.out.push(t.close);
    } else {
      this.leaf(t, this.primitive());
    }
  }

  /** `<name attrs>members</name>` (or `<name attrs/>`); the start tag is filled in once the attributes are known. */
  private objectElement(t: Tags, depth: number, owner: string): void {
    const open = this.out.length;
    this.out.push('');
    this.pending.push(open);
    const attrs = this.members(depth, owner, open === 0);
    this.pending.pop();
    if (this.out.length === open + 1) {
      this.out[open] = attrs === '' ? t.empty : `<${t.name}${attrs}/>`;
    } else {
      this.out[open] = attrs === '' ? t.open : `<${t.name}${attrs}>`;
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
      this.element(JSON_ELEMENT, depth + 1);
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
  private namedArray(key: string, keyAt: number, depth: number): void {
    this.checkDepth(depth);
    if (this.s.xmlOutPI) {
      // the instruction's data is the key as Java's String.trim() leaves it, written as it is
      const data = key.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
      if (data.includes('?>'))
        this.fail(`the key ${JSON.stringify(key)} cannot be written in an <?xml-multiple?> processing instruction`);
      if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(data))
        this.fail(
          `the key ${JSON.stringify(key)} holds a control character, which WSO2 writes into the <?xml-multiple?> instruction as it is (XML that is not well-formed)`,
        );
      this.at = this.pos;
      writeRun(data, true); // a lone surrogate: WSO2 fails
      this.out.push(`<?xml-multiple ${data}?>`);
    }
    this.ws();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return;
    }
    for (;;) {
      this.ws();
      // the name is checked only when an item is written: an empty array writes no element at all
      this.element(this.name(key, keyAt), depth + 1);
      this.ws();
      const d = this.text.charCodeAt(this.pos);
      this.pos++;
      if (d === 0x2c) continue;
      if (d === 0x5d) return;
      this.fail(`unexpected ${this.describe(this.pos - 1)} (expected ',' or ']')`, this.pos - 1);
    }
  }

  /** An object's members: `@` keys as attributes (returned), `$` as text, the rest as child elements; pos is after '{'. */
  private members(depth: number, owner: string, root: boolean): string {
    const attrs = new Attributes();
    // WSO2 drops attributes that follow a member holding an object or an array (wso2/product-ei#4749)
    let complexSeen = false;
    let childSeen = false;
    this.ws();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return '';
    }
    // WSO2's scanner, at the end of the input, drops an unterminated string and emits one '}': a
    // cut-off root object is closed there ({"a":1 → <jsonObject><a>1</a></jsonObject>)
    if (root && this.truncatedHere(true)) return '';
    for (let member = 0; ; member++) {
      this.ws();
      const keyAt = this.pos;
      const key = this.key(depth, member);
      const c = this.text.charCodeAt(this.pos);
      if (key.charCodeAt(0) === 0x40) {
        this.attribute(key, keyAt, depth, complexSeen ? null : attrs, { root, childSeen });
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
          const text = wso2Text(value);
          if (text !== '') this.out.push(text);
        } else if (this.kind === Kind.Literal) this.out.push(value);
        else attrs.nil(); // "$": null makes the element xsi:nil
      } else if (c === 0x5b) {
        complexSeen = true;
        childSeen = true;
        this.pos++;
        this.namedArray(key, keyAt, depth);
      } else {
        if (c === 0x7b) complexSeen = true;
        childSeen = true;
        this.element(this.name(key, keyAt), depth + 1);
      }
      this.ws();
      if (root && this.pos >= this.text.length) return attrs.render();
      const d = this.text.charCodeAt(this.pos);
      this.pos++;
      if (d === 0x2c) continue;
      if (d === 0x7d) return attrs.render();
      this.fail(`unexpected ${this.describe(this.pos - 1)} (expected ',' or '}')`, this.pos - 1);
    }
  }

  /**
   * An `@key` member: an attribute, or with an object value, each of its members an attribute of this
   * element (wso2/api-manager#2082). `into` is null when WSO2 drops it; the value is read either way.
   * Names are written as they are (WSO2 applies no `_JsonReader_` encoding to attributes).
   */
  private attribute(
    key: string,
    keyAt: number,
    depth: number,
    into: Attributes | null,
    where: { root: boolean; childSeen: boolean },
  ): void {
    const c = this.text.charCodeAt(this.pos);
    if (c === 0x5b) {
      const at = lineColumn(this.text, keyAt);
      throw new JsonXmlError(
        'JSONXML_UNSUPPORTED',
        `The attribute key ${JSON.stringify(key)} at line ${at.line}, column ${at.column} holds an array; an attribute takes one value.`,
        at,
      );
    }
    if (c !== 0x7b) {
      const raw = this.primitive();
      // a dropped attribute is not looked at, but a default namespace after a child member still fails
      if (into || key === '@xmlns') this.addAttribute(into ?? new Attributes(), key.slice(1), key, raw, keyAt, where);
      return;
    }
    this.checkDepth(depth + 1);
    this.pos++;
    this.ws();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return;
    }
    let prefixed: { name: string; inner: string; raw: string; innerAt: number; kind: Kind }[] | undefined;
    for (;;) {
      this.ws();
      const innerAt = this.pos;
      const inner = this.key();
      const v = this.text.charCodeAt(this.pos);
      if (v === 0x7b || v === 0x5b) {
        const at = lineColumn(this.text, innerAt);
        throw new JsonXmlError(
          'JSONXML_UNSUPPORTED',
          `The attribute ${JSON.stringify(inner)} at line ${at.line}, column ${at.column} (inside ${JSON.stringify(key)}) holds ${v === 0x7b ? 'an object' : 'an array'}; attributes take a string, number or boolean.`,
          at,
        );
      }
      const raw = this.primitive();
      // "@xmlns": {"$": uri, "p": uri} declares namespaces (BadgerFish), other objects spread attributes
      const name = key === '@xmlns' ? (inner === '$' ? 'xmlns' : `xmlns:${inner}`) : inner;
      // as for "@xmlns" itself: a default namespace spread from an object after a child member still fails
      if (into && key === '@xmlns' && name !== 'xmlns')
        (prefixed ??= []).push({ name, inner, raw, innerAt, kind: this.kind });
      else if (into || name === 'xmlns') this.addAttribute(into ?? new Attributes(), name, inner, raw, innerAt, where);
      this.ws();
      const d = this.text.charCodeAt(this.pos);
      this.pos++;
      if (d === 0x2c) continue;
      if (d === 0x7d) {
        // WSO2 declares the prefixes of one "@xmlns" object in the order of the java.util.HashMap that
        // holds them (by prefix hash), not in the order written (the engine shows it)
        if (prefixed && into)
          for (const p of javaHashMapOrder(prefixed, (e) => e.inner)) {
            this.kind = p.kind;
            this.addAttribute(into, p.name, p.inner, p.raw, p.innerAt, where);
          }
        return;
      }
      this.fail(`unexpected ${this.describe(this.pos - 1)} (expected ',' or '}')`, this.pos - 1);
    }
  }

  private addAttribute(
    into: Attributes,
    name: string,
    key: string,
    raw: string,
    keyAt: number,
    where: { root: boolean; childSeen: boolean },
  ): void {
    const refuse = (why: string): never => {
      const at = lineColumn(this.text, keyAt);
      throw new JsonXmlError(
        name === '' || !QNAME_RE.test(name) ? 'JSONXML_INVALID_NAME' : 'JSONXML_UNSUPPORTED',
        `The attribute key ${JSON.stringify(key)} at line ${at.line}, column ${at.column} ${why}`,
        at,
      );
    };
    if (name === '')
      refuse('has no name after "@" (WSO2 fails: "Local name may not be null or empty"). Rename the key.');
    if (!QNAME_RE.test(name)) {
      refuse(
        `is not an XML attribute name; WSO2 writes attribute names as they are (buildValidNCNames does not apply to them), so the XML would not be well-formed. Rename the key.`,
      );
    }
    if (this.kind === Kind.Null)
      refuse('is null; WSO2 fails on a null attribute (NullPointerException). Leave the key out or give it a value.');
    const value = this.kind === Kind.String ? wso2Attribute(raw) : raw;
    if (name === 'xmlns') {
      if (where.root)
        refuse(
          'declares a default namespace on the root jsonObject, which WSO2 cannot build ("Element namespace from data source is …").',
        );
      if (where.childSeen)
        refuse(
          'declares a default namespace after a child member, which WSO2 cannot parse (ParseError). Put it first.',
        );
      if (value !== '') into.set(name, value);
    } else into.set(name, value);
  }
}

const NIL_ONLY = ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"';

/**
 * An element's attributes and namespace declarations in the order the JSON gives them (as Micro
 * Integrator writes a payload built from JSON), its default namespace first; a repeated name keeps
 * its first place and its last value.
 */
class Attributes {
  private items: Map<string, string> | undefined;
  private nilled = false;

  set(name: string, value: string): void {
    (this.items ??= new Map()).set(name, value);
  }

  /** `"$": null`: xsi:nil="true", its declaration first and the attribute last. */
  nil(): void {
    this.nilled = true;
  }

  render(): string {
    if (this.items === undefined) return this.nilled ? NIL_ONLY : '';
    // the element's own (default) namespace goes out with its start tag, before everything else
    const own = this.items.get('xmlns');
    let out = own === undefined ? '' : ` xmlns="${own}"`;
    if (this.nilled) out += ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
    for (const [n, v] of this.items) if (n !== 'xmlns') out += ` ${n}="${v}"`;
    if (this.nilled) out += ' xsi:nil="true"';
    return out;
  }
}
