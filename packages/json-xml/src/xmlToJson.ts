/**
 * @fileoverview XML → JSON as WSO2 Synapse writes it (JsonUtil.writeAsJson over StAXON): one pass
 * over the XML events, building each element's JSON text when it closes. Rules:
 * `docs/json-xml-rules.md` §3 (shared docs) and the package README.
 */
import { checkLength, JsonXmlError } from './errors';
import { isValidJson } from './losslessJson';
import { javaHashMapOrder } from './java';
import { resolveSettings, type Settings } from './properties';
import { readXml, type XmlAttribute, type XmlNamespaceDeclaration } from './xmlReader';

const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
const WRAPPERS = new Set(['jsonObject', 'jsonArray', 'jsonElement']);
const NUMBER_RE = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
const WS_ONLY = /^[ \t\r\n]*$/;
const EMPTY_MARKER = '_JsonScanner_EMPTY_OBJECT';
const NIL_MARKER =
  'org.apache.synapse.commons.staxon.core.json.JsonXMLStreamWriter.{http://www.w3.org/2001/XMLSchema-instance}#nil=true_';

export interface ConvertOptions {
  /** Deepest nesting accepted (default 512). */
  maxDepth?: number;
  /** Longest input accepted, in UTF-16 code units (default 64 MiB). */
  maxLength?: number;
}

/**
 * A number's text as `java.math.BigDecimal#toString` writes it: exact digits, with the exponent
 * re-formatted (`25e1` → `2.5E+2`, `0.0000001` → `1E-7`, `-0` → `0`, `25.0000` unchanged).
 */
export function bigDecimalString(text: string): string {
  let i = 0;
  const negative = text.charCodeAt(0) === 0x2d;
  if (negative) i++;
  const e = text.search(/[eE]/);
  const mantissa = text.slice(i, e === -1 ? undefined : e);
  let exponent = 0;
  if (e !== -1) {
    // as java.math.BigDecimal(String): at most 10 exponent digits, and a scale that fits an int
    const digitsOfExp = text
      .slice(e + 1)
      .replace(/^[+-]/, '')
      .replace(/^0+/, '');
    exponent = Number(text.slice(e + 1));
    const fraction = mantissa.indexOf('.') === -1 ? 0 : mantissa.length - mantissa.indexOf('.') - 1;
    const scale = fraction - exponent;
    if (digitsOfExp.length > 10 || scale > 2147483647 || scale < -2147483648) {
      throw new JsonXmlError(
        'JSONXML_UNSUPPORTED',
        `The number ${text.length > 40 ? `${text.slice(0, 40)}…` : text} has an exponent Java's BigDecimal cannot hold; WSO2 fails on it (NumberFormatException). Send it as a string, or set synapse.commons.json.output.autoPrimitive=false.`,
      );
    }
  }
  const dot = mantissa.indexOf('.');
  const intPart = dot === -1 ? mantissa : mantissa.slice(0, dot);
  const fracPart = dot === -1 ? '' : mantissa.slice(dot + 1);
  let digits = (intPart + fracPart).replace(/^0+(?=\d)/, '');
  const scale = fracPart.length - exponent;
  const zero = /^0+$/.test(digits);
  if (zero) digits = '0';
  const adjusted = -scale + (digits.length - 1);
  let out: string;
  if (scale >= 0 && adjusted >= -6) {
    if (scale === 0) out = digits;
    else if (digits.length > scale)
      out = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
    else out = `0.${'0'.repeat(scale - digits.length)}${digits}`;
  } else {
    out = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    out += `E${adjusted > 0 ? '+' : ''}${adjusted}`;
  }
  return negative && !zero ? `-${out}` : out;
}

const ESCAPE_NEEDED = /["\\\u0000-\u001f]/;

/** A JSON string as Synapse writes it: `\" \\ \b \f \n \r \t`, other controls as `\uXXXX` (upper case), the rest raw. */
export function jsonString(s: string): string {
  if (!ESCAPE_NEEDED.test(s)) return `"${s}"`;
  let out = '"';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c === 0x22) rep = '\\"';
    else if (c === 0x5c) rep = '\\\\';
    else if (c < 0x20) {
      rep =
        c === 0x08
          ? '\\b'
          : c === 0x0c
            ? '\\f'
            : c === 0x0a
              ? '\\n'
              : c === 0x0d
                ? '\\r'
                : c === 0x09
                  ? '\\t'
                  : `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    }
    if (rep !== undefined) {
      out += s.slice(last, i) + rep;
      last = i + 1;
    }
  }
  return `${out}${s.slice(last)}"`;
}

interface Member {
  key: string;
  values: string[];
  /** Written as an array: forced by a PI, or grown by adjacent repeats. */
  array: boolean;
  /** Created by a PI: adjacent repeats join it even without auto-array. */
  forced: boolean;
}

interface Frame {
  key: string;
  qname: string;
  /** Rendered `"@name":"value"` members (declarations first, then attributes). */
  attrs: string[];
  nil: boolean;
  text: string;
  /** The text without its whitespace-only nodes (a node is a run of text and CDATA between other markup). */
  kept: string;
  /** The node being read. */
  node: string;
  textNodes: number;
  members: Member[];
  /** A nameless `<?xml-multiple?>` makes the next element start an array. */
  nextIsArray: boolean;
}

function newFrame(key: string, qname: string): Frame {
  return {
    key,
    qname,
    attrs: [],
    nil: false,
    text: '',
    kept: '',
    node: '',
    textNodes: 0,
    members: [],
    nextIsArray: false,
  };
}

/**
 * Converts XML to the JSON text WSO2's gateway would write for it.
 * @param props Synapse properties by their synapse.properties (or MI deployment.toml) names.
 * @throws {JsonXmlError} with a code and a message that says where.
 */
export function xmlToJson(
  xml: string,
  props?: Readonly<Record<string, string | boolean>>,
  options: ConvertOptions = {},
): string {
  const settings = resolveSettings(props);
  checkLength(xml, 'XML', options.maxLength);
  const converter = new XmlToJson(settings);
  // Micro Integrator's builder reads the root element and nothing after it
  readXml(xml, converter, { maxDepth: options.maxDepth ?? 512, stopAfterRoot: true });
  return converter.result();
}

class XmlToJson {
  private readonly stack: Frame[];
  private readonly keyCache = new Map<string, string>();
  private readonly customReplace: RegExp | null;
  private readonly disableAutoPrimitive: RegExp | null;
  /** The text of a root `<jsonValue>`: raw JSON, written as it is. */
  private rawValue: string | undefined;
  /**
   * Inside a root `<jsonValue>` (any namespace): how deep below it. WSO2 writes only that element's
   * own text (Axiom's getText(): its text children, joined) and never looks at what it contains.
   */
  private valueDepth = -1;
  /** Namespace declarations of the open elements (only kept with enableNSDeclarations). */
  private readonly scopes: XmlNamespaceDeclaration[][] = [];

  /** The URI `prefix` is bound to by the open elements above the newest one. */
  private boundAbove(prefix: string): string | undefined {
    for (let i = this.scopes.length - 2; i >= 0; i--) {
      for (const d of this.scopes[i]!) if (d.prefix === prefix) return d.uri;
    }
    return prefix === '' ? '' : undefined;
  }

  constructor(private readonly s: Settings) {
    this.stack = [newFrame('', '')];
    this.customReplace = s.customReplace ? new RegExp(s.customReplace.source, 'y') : null;
    this.disableAutoPrimitive = s.disableAutoPrimitive ? new RegExp(`^(?:${s.disableAutoPrimitive.source})$`) : null;
  }

  /** `_JsonReader_PD_x` → `x`, `_JsonReader_PS_x` → `$x`; `_JsonReader_<n>_` → char n with buildValidNCNames. */
  private decodeName(local: string): string {
    let name = local;
    if (name.startsWith('_JsonReader_PD_')) name = name.slice(15);
    else if (name.startsWith('_JsonReader_PS_')) name = `$${name.slice(15)}`;
    if (this.s.buildValidNCNames && name.includes('_JsonReader_')) {
      name = name.replace(/_JsonReader_(\d+)_/g, (_, code: string) => String.fromCodePoint(Number(code)));
    }
    return name;
  }

  private keyOf(prefix: string, local: string): string {
    const cacheKey = `${prefix}:${local}`;
    let key = this.keyCache.get(cacheKey);
    if (key === undefined) {
      const name = this.decodeName(local);
      key = this.s.preserveNamespace && prefix !== '' ? `${prefix}${this.s.namespaceSepChar}${name}` : name;
      this.keyCache.set(cacheKey, key);
    }
    return key;
  }

  /** Names of the open elements, outermost first. */
  private path(): string[] {
    return this.stack.slice(1).map((f) => f.qname);
  }

  startElement(
    qname: string,
    prefix: string,
    local: string,
    _uri: string,
    attributes: XmlAttribute[],
    declarations: XmlNamespaceDeclaration[],
  ): void {
    if (this.valueDepth >= 0) {
      this.valueDepth++;
      return;
    }
    if (this.stack.length === 1 && local === 'jsonValue') {
      this.valueDepth = 0;
      this.rawValue = '';
      return;
    }
    const parent = this.stack[this.stack.length - 1]!;
    this.endNode(parent);
    parent.textNodes++; // an element is a child too (for the PRESERVE_SPACES rule)
    const frame = newFrame(this.keyOf(prefix, local), qname);
    const s = this.s;
    if (s.preserveNamespace && s.enableNSDeclarations) {
      this.scopes.push(declarations);
      // Axiom keeps an element's namespace declarations in a HashMap keyed by prefix
      // the element's own namespace first, as the serializer writes it with the start tag
      const order =
        declarations.length < 2
          ? declarations
          : javaHashMapOrder(declarations, (d) => d.prefix).sort(
              (x, y) => Number(y.prefix === prefix) - Number(x.prefix === prefix),
            );
      for (const d of order) {
        // Axiom writes no declaration that repeats the binding already in scope
        if (this.boundAbove(d.prefix) === d.uri) continue;
        frame.attrs.push(
          `${jsonString(d.prefix === '' ? '@xmlns' : `@xmlns${s.namespaceSepChar}${d.prefix}`)}:${jsonString(d.uri)}`,
        );
      }
    }
    let seen: Map<string, string> | undefined;
    for (const a of attributes) {
      const key = `@${this.keyOf(a.prefix, a.local)}`;
      if (attributes.length > 1) {
        seen ??= new Map();
        const other = seen.get(key);
        if (other !== undefined) {
          throw new JsonXmlError(
            'JSONXML_UNSUPPORTED',
            `Element /${[...this.path(), qname].join('/')} has attributes ${other} and ${a.qname} that both become ${JSON.stringify(key)} in JSON; WSO2 fails on this ("Invalid XML payload"). Rename one, or set synapse.commons.json.preserve.namespace=true to keep their prefixes.`,
          );
        }
        seen.set(key, a.qname);
      }
      // only nil="true" itself is taken (WSO2's writer compares the value with "true")
      if (s.nil && a.local === 'nil' && (a.uri === '' || a.uri === XSI_NS) && a.value === 'true') {
        frame.nil = true;
        continue;
      }
      if (a.value === EMPTY_MARKER) this.markerFailure(`attribute ${a.qname} of /${[...this.path(), qname].join('/')}`);
      frame.attrs.push(`${jsonString(key)}:${jsonString(a.value)}`);
    }
    this.stack.push(frame);
  }

  text(text: string): void {
    if (this.valueDepth >= 0) {
      if (this.valueDepth === 0) this.rawValue += text;
      return;
    }
    const frame = this.stack[this.stack.length - 1]!;
    frame.text += text;
    frame.node += text;
    frame.textNodes++;
  }

  /** Ends the text node being read in the innermost element: WSO2 drops it if it is only whitespace. */
  private endNode(frame: Frame): void {
    if (frame.node === '') return;
    if (!WS_ONLY.test(frame.node)) frame.kept += frame.node;
    frame.node = '';
  }

  comment(): void {
    if (this.valueDepth < 0) this.endNode(this.stack[this.stack.length - 1]!);
  }

  processingInstruction(target: string, data: string): void {
    if (this.valueDepth >= 0) return;
    const frame = this.stack[this.stack.length - 1]!;
    this.endNode(frame);
    if (target !== 'xml-multiple' || !this.s.multiplePI) return;
    const name = data.trim();
    if (name === '') {
      frame.nextIsArray = true;
      return;
    }
    if (name === 'jsonEmpty') {
      throw new JsonXmlError(
        'JSONXML_UNSUPPORTED',
        `An <?xml-multiple jsonEmpty?> instruction in /${[...this.path()].join('/')} names jsonEmpty, which WSO2's JSON writer takes as an internal marker: it writes JSON no client can parse, or fails. Rename it.`,
      );
    }
    const last = frame.members[frame.members.length - 1];
    // (with jsonoutAutoArray=false WSO2 writes a second member of that name instead)
    if (last && last.key === name && this.s.autoArray) {
      throw new JsonXmlError(
        'JSONXML_UNSUPPORTED',
        `An <?xml-multiple ${name}?> instruction in /${this.path().join('/')} follows a ${name} member; WSO2's JSON writer fails on this (IllegalStateException). Put the instruction before the first ${name} element.`,
      );
    }
    frame.nextIsArray = false; // a named instruction replaces a pending nameless one
    frame.members.push({ key: name, values: [], array: true, forced: true });
  }

  endElement(): void {
    if (this.valueDepth >= 0) {
      this.valueDepth--;
      return;
    }
    const frame = this.stack.pop()!;
    this.endNode(frame);
    const parent = this.stack[this.stack.length - 1]!;
    if (this.s.preserveNamespace && this.s.enableNSDeclarations) this.scopes.pop();
    const value = this.valueOf(frame);
    const last = parent.members[parent.members.length - 1];
    if (last && last.key === frame.key && (last.forced || (this.s.autoArray && !parent.nextIsArray))) {
      last.values.push(value);
      if (last.values.length > 1) last.array = true;
    } else {
      parent.members.push({ key: frame.key, values: [value], array: parent.nextIsArray, forced: parent.nextIsArray });
      parent.nextIsArray = false;
    }
  }

  /** WSO2's JSON writer takes this exact string as its "empty object" marker and writes no value: broken JSON. */
  private markerFailure(where: string): never {
    throw new JsonXmlError(
      'JSONXML_UNSUPPORTED',
      `The ${where} is the text ${EMPTY_MARKER}, which WSO2's JSON writer takes as an internal marker and writes as no value at all (JSON no client can parse).`,
    );
  }

  private valueOf(frame: Frame): string {
    if (frame.key === 'jsonEmpty') {
      throw new JsonXmlError(
        'JSONXML_UNSUPPORTED',
        `Element /${[...this.path(), frame.qname].join('/')} is named jsonEmpty, which WSO2's JSON writer takes as an internal marker: it writes JSON no client can parse, or fails. Rename the element.`,
      );
    }
    if (frame.kept === EMPTY_MARKER && frame.members.length === 0)
      this.markerFailure(`text of /${[...this.path(), frame.qname].join('/')}`);
    // with enableXmlNilReadWrite, WSO2's writer takes text that is its own nil marker for nil="true"
    if (this.s.nil && frame.kept === NIL_MARKER && frame.members.length === 0) {
      if (frame.attrs.length === 0) return 'null';
      throw new JsonXmlError(
        'JSONXML_UNSUPPORTED',
        `The text of /${[...this.path(), frame.qname].join('/')} is WSO2's internal nil marker; with enableXmlNilReadWrite its JSON writer takes it for nil="true" and, beside attributes, writes JSON no client can parse.`,
      );
    }
    if (frame.nil) {
      const what =
        frame.members.length > 0
          ? [
              'content (child elements or <?xml-multiple?> instructions)',
              'fails ("Invalid XML payload") or writes the null inside the content',
            ]
          : frame.attrs.length > 0
            ? ['other attributes', 'writes JSON no client can parse ({"@a":"x"null})']
            : !WS_ONLY.test(frame.text)
              ? ['text', 'writes its internal nil marker glued to the text as the value']
              : null;
      if (what) {
        throw new JsonXmlError(
          'JSONXML_UNSUPPORTED',
          `Element /${[...this.path(), frame.qname].join('/')} is nil="true" and has ${what[0]}; with enableXmlNilReadWrite WSO2 ${what[1]}. Drop the nil attribute or the content.`,
        );
      }
      return 'null';
    }
    const hasChildren = frame.members.length > 0;
    const wsOnly = WS_ONLY.test(frame.text);
    if (hasChildren) {
      if (!wsOnly) {
        throw new JsonXmlError(
          'JSONXML_MIXED_CONTENT',
          `Element /${[...this.path(), frame.qname].join('/')} has text beside child elements (mixed content), which WSO2 cannot convert to JSON ("Mixed content is not supported"). Move the text into an element of its own.`,
        );
      }
      return this.objectOf(frame.attrs, frame.members, `/${[...this.path(), frame.qname].join('/')}`);
    }
    let text = wsOnly ? frame.text : frame.kept;
    if (wsOnly && !(this.s.preserveSpaces && frame.textNodes === 1 && text !== '')) text = '';
    if (frame.attrs.length === 0) {
      if (text === '') return this.s.nullForEmpty ? 'null' : '""';
      return this.primitive(text);
    }
    return text === '' ? `{${frame.attrs.join(',')}}` : `{${frame.attrs.join(',')},"$":${this.primitive(text)}}`;
  }

  private render(m: Member): string {
    return m.array ? `[${m.values.join(',')}]` : m.values[0]!;
  }

  /** An object of attributes and members; a lone jsonObject/jsonArray/jsonElement member unwraps. */
  private objectOf(attrs: string[], members: Member[], path?: string): string {
    if (attrs.length === 0 && members.length > 0 && WRAPPERS.has(members[0]!.key)) {
      if (members.length === 1) return this.render(members[0]!);
      // WSO2's JSON writer drops the object's braces for a wrapper written first, and writes the
      // members after it with no comma: JSON no client can parse
      throw new JsonXmlError(
        'JSONXML_UNSUPPORTED',
        `Element ${path ?? '(the root)'} starts with <${members[0]!.key}> followed by other elements; WSO2 unwraps a ${members[0]!.key} that comes first and writes the elements after it as JSON no client can parse. Put the ${members[0]!.key} element last, or rename it.`,
      );
    }
    const parts = attrs.slice();
    for (const m of members) parts.push(`${jsonString(m.key)}:${this.render(m)}`);
    return `{${parts.join(',')}}`;
  }

  private primitive(text: string): string {
    if (!this.s.autoPrimitive) return jsonString(text);
    if (this.disableAutoPrimitive?.test(text)) return jsonString(text);
    if (this.customReplace) {
      this.customReplace.lastIndex = 0;
      const m = this.customReplace.exec(text);
      if (m) return jsonString(this.s.customReplaceSequence + text.slice(m[0].length));
    }
    if (NUMBER_RE.test(text)) return bigDecimalString(text);
    if (text === 'true' || text === 'false' || text === 'null') return text;
    return jsonString(text);
  }

  result(): string {
    const doc = this.stack[0]!;
    if (this.rawValue !== undefined) {
      const raw = this.rawValue;
      if (WS_ONLY.test(raw)) return raw;
      // WSO2 writes the text as it is, JSON or not; a body no client can parse is refused here instead
      if (!isValidJson(raw.trim())) {
        throw new JsonXmlError(
          'JSONXML_UNSUPPORTED',
          `<jsonValue> must hold JSON text (a top-level JSON primitive such as "x" or 12); it holds ${JSON.stringify(raw.trim().slice(0, 40))}, which WSO2 would send as a body that is not JSON.`,
        );
      }
      return raw;
    }
    return this.objectOf([], doc.members);
  }
}
