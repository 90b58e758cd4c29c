/**
 * @fileoverview A small, strict, non-validating XML 1.0 reader that reports events in document order:
 * start and end of elements (with attributes and namespace declarations resolved), text (entities and
 * character references decoded, CDATA included), processing instructions and comments.
 *
 * Why not fast-xml-parser: the WSO2 mapping depends on things a generic object builder loses (the
 * position of `<?xml-multiple?>` PIs, whether text sits beside elements, attribute order, namespace
 * prefixes), and a single pass without an intermediate tree is what keeps memory linear.
 *
 * Safety: a DOCTYPE is refused outright (no DTD, no entity declarations, no external entities); only
 * the five predefined entities and character references are recognised; depth is bounded.
 */
import { lineColumn } from './losslessJson';
import { JsonXmlError } from './errors';

export interface XmlAttribute {
  /** The name as written (`xsi:type`). */
  qname: string;
  prefix: string;
  local: string;
  /** Namespace URI of a prefixed attribute ('' for none). */
  uri: string;
  value: string;
}

export interface XmlNamespaceDeclaration {
  /** '' for the default namespace. */
  prefix: string;
  uri: string;
}

export interface XmlHandler {
  /** `ordered` holds every attribute, namespace declarations included, as written (values decoded). */
  startElement(
    qname: string,
    prefix: string,
    local: string,
    uri: string,
    attributes: XmlAttribute[],
    declarations: XmlNamespaceDeclaration[],
    ordered: readonly (readonly [string, string])[],
    /** Offsets into the document: the element's `<`, and each attribute name in `ordered` order. */
    at: ElementOffsets,
  ): void;
  endElement(): void;
  /** `cdata` is true for a CDATA section; whitespace-only runs are reported too. */
  text(text: string, cdata: boolean): void;
  processingInstruction(target: string, data: string): void;
  /** Comments inside the root element (optional); `offset` is where `<!--` starts. */
  comment?(text: string, offset: number): void;
  /** Comments before or after the root element (optional). */
  outerComment?(text: string, offset: number): void;
}

export interface ElementOffsets {
  start: number;
  attributes: readonly number[];
}

export interface XmlReadOptions {
  /** Deepest element nesting (default 512). */
  maxDepth?: number;
  /**
   * Stop reading when the root element closes, leaving whatever follows unread (as Axiom's builder
   * does when Micro Integrator reads a message: a second root or trailing text is never parsed).
   */
  stopAfterRoot?: boolean;
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

// XML 1.0 (5th ed.) name characters; the converter also needs NCName checks, so these are shared
export const NAME_START =
  /[:A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]/;
// surrogate halves are listed on purpose (low ones first): a name may use characters beyond the BMP
const NAME_RE =
  /[:A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\uDC00-\uDFFF\uD800-\uDB7F][-.0-9:A-Z_a-z\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C-\u200D\u203F-\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\uDC00-\uDFFF\uD800-\uDB7F]*/y;
/** Characters XML 1.0 does not allow in a document (besides unpaired surrogates). */
const ILLEGAL_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** ASCII characters allowed inside a name (1), for readName's loop. */
const NAME_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++)
  NAME_CHAR[c] =
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x5f ||
    c === 0x3a ||
    c === 0x2d ||
    c === 0x2e
      ? 1
      : 0;

/** What an element without attributes reports (handlers only read these). */
const NO_ATTRIBUTES: XmlAttribute[] = [];
const NO_DECLARATIONS: XmlNamespaceDeclaration[] = [];
const NO_ORDERED: readonly (readonly [string, string])[] = [];
const NO_OFFSETS: readonly number[] = [];
Object.freeze(NO_ATTRIBUTES);
Object.freeze(NO_DECLARATIONS);

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

interface Scope {
  qname: string;
  /** Prefix → URI bindings added by this element (undefined when none). */
  bindings: Map<string, string> | undefined;
}

/**
 * Reads `xml` and reports its events to `handler`.
 * @throws {JsonXmlError} `JSONXML_MALFORMED_XML` with line and column, `JSONXML_DTD_REFUSED`, `JSONXML_TOO_DEEP`.
 */
export function readXml(xml: string, handler: XmlHandler, options: XmlReadOptions = {}): void {
  const maxDepth = options.maxDepth ?? 512;
  const n = xml.length;
  let pos = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: Scope[] = [];
  const ns = new Map<string, string[]>([['xml', [XML_NS]]]);
  let rootSeen = false;
  let rootClosed = false;

  const fail = (message: string, at = pos): never => {
    const where = lineColumn(xml, Math.min(at, n));
    throw new JsonXmlError(
      'JSONXML_MALFORMED_XML',
      `Malformed XML at line ${where.line}, column ${where.column}: ${message}`,
      where,
    );
  };
  const lookup = (prefix: string): string | undefined => {
    const list = ns.get(prefix);
    return list === undefined || list.length === 0 ? undefined : list[list.length - 1];
  };
  const readName = (what: string): string => {
    // ASCII names (nearly all) are read by a loop; a name with other characters goes to the pattern
    const from = pos;
    let i = pos;
    let c = xml.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a) {
      for (i++; i < n; i++) {
        c = xml.charCodeAt(i);
        if (!(c < 128 && NAME_CHAR[c] === 1)) break;
      }
      if (i >= n || c < 128) {
        pos = i;
        return xml.slice(from, i);
      }
    }
    NAME_RE.lastIndex = pos;
    const m = NAME_RE.exec(xml);
    if (!m) fail(`expected ${what}`);
    pos += m![0].length;
    return m![0];
  };
  const skipWs = (): boolean => {
    const start = pos;
    while (pos < n) {
      const c = xml.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
    return pos > start;
  };
  const checkChars = (s: string, at: number): void => {
    const m = ILLEGAL_CHAR.exec(s);
    if (m)
      fail(
        `character U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`,
        at + m.index,
      );
  };
  /** Decodes `&...;` references in text or an attribute value. */
  const decode = (raw: string, at: number, attribute: boolean): string => {
    let s = raw;
    if (attribute) {
      // attribute-value normalisation: literal whitespace characters become spaces
      s = s.replace(/\r\n|[\r\n\t]/g, ' ');
    } else if (s.indexOf('\r') !== -1) {
      s = s.replace(/\r\n?/g, '\n');
    }
    if (s.indexOf('&') === -1) return s;
    return s.replace(/&([^;&\s]*);?/g, (match, ref: string, offset: number) => {
      if (!match.endsWith(';')) fail("'&' must start an entity or character reference (write &amp;)", at + offset);
      if (ref.startsWith('#')) {
        const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
        const valid = ref[1] === 'x' ? /^#x[0-9a-fA-F]+$/.test(ref) : /^#[0-9]+$/.test(ref);
        if (
          !valid ||
          !(
            code === 0x9 ||
            code === 0xa ||
            code === 0xd ||
            (code >= 0x20 && code <= 0xd7ff) ||
            (code >= 0xe000 && code <= 0xfffd) ||
            (code >= 0x10000 && code <= 0x10ffff)
          )
        ) {
          fail(`invalid character reference &${ref};`, at + offset);
        }
        return String.fromCodePoint(code);
      }
      const v = PREDEFINED[ref];
      if (v === undefined)
        fail(
          `unknown entity &${ref}; (only &lt; &gt; &amp; &quot; &apos; and character references are allowed; DTDs are refused)`,
          at + offset,
        );
      return v!;
    });
  };

  const split = (name: string, at: number): [string, string] => {
    const colon = name.indexOf(':');
    if (colon === -1) return ['', name];
    const prefix = name.slice(0, colon);
    const local = name.slice(colon + 1);
    if (prefix === '' || local === '' || local.includes(':') || !NAME_START.test(local[0]!))
      fail(`${name} is not a valid qualified name`, at);
    return [prefix, local];
  };

  while (pos < n) {
    const lt = xml.indexOf('<', pos);
    const textEnd = lt === -1 ? n : lt;
    if (textEnd > pos) {
      const raw = xml.slice(pos, textEnd);
      if (stack.length === 0) {
        if (!/^[ \t\r\n]*$/.test(raw)) fail(rootSeen ? 'text after the root element' : 'text before the root element');
      } else {
        checkChars(raw, pos);
        const gt = raw.indexOf(']]>');
        if (gt !== -1) fail("']]>' is not allowed in text", pos + gt);
        handler.text(decode(raw, pos, false), false);
      }
      pos = textEnd;
      if (lt === -1) break;
    }
    const start = pos;
    const c = xml.charCodeAt(pos + 1);
    if (c === 0x21 /* ! */) {
      if (xml.startsWith('<!--', pos)) {
        const end = xml.indexOf('-->', pos + 4);
        if (end === -1) fail('unterminated comment');
        const body = xml.slice(pos + 4, end);
        if (body.includes('--')) fail("'--' is not allowed inside a comment");
        if (stack.length > 0) handler.comment?.(body, start);
        else handler.outerComment?.(body, start);
        pos = end + 3;
        continue;
      }
      if (xml.startsWith('<![CDATA[', pos)) {
        if (stack.length === 0) fail('CDATA outside the root element');
        const end = xml.indexOf(']]>', pos + 9);
        if (end === -1) fail('unterminated CDATA section');
        const raw = xml.slice(pos + 9, end);
        checkChars(raw, pos + 9);
        handler.text(raw.indexOf('\r') === -1 ? raw : raw.replace(/\r\n?/g, '\n'), true);
        pos = end + 3;
        continue;
      }
      if (xml.startsWith('<!DOCTYPE', pos)) {
        const where = lineColumn(xml, pos);
        throw new JsonXmlError(
          'JSONXML_DTD_REFUSED',
          `XML at line ${where.line}, column ${where.column} has a DOCTYPE: DTDs and entity declarations are refused (no entity expansion, no external entities). Remove the DOCTYPE.`,
          where,
        );
      }
      fail("unexpected '<!'");
    }
    if (c === 0x3f /* ? */) {
      pos += 2;
      const target = readName('a processing instruction target');
      const end = xml.indexOf('?>', pos);
      if (end === -1) fail('unterminated processing instruction', start);
      if (pos < end && !skipWs()) fail('expected whitespace after the processing instruction target');
      const data = xml.slice(pos, end);
      if (target.toLowerCase() === 'xml') {
        if (start !== (xml.charCodeAt(0) === 0xfeff ? 1 : 0)) fail('the XML declaration must come first', start);
        if (
          !/^version\s*=\s*(["'])1\.[0-9]+\1(\s+encoding\s*=\s*(["'])[A-Za-z][A-Za-z0-9._-]*\3)?(\s+standalone\s*=\s*(["'])(yes|no)\5)?\s*$/.test(
            data,
          )
        ) {
          fail('malformed XML declaration', start);
        }
      } else if (stack.length > 0) {
        checkChars(data, pos);
        handler.processingInstruction(target, data);
      }
      pos = end + 2;
      continue;
    }
    if (c === 0x2f /* / */) {
      pos += 2;
      const open = stack.length > 0 ? stack[stack.length - 1]!.qname : undefined;
      // the usual case, `</name>` closing the open element, is compared in place
      if (open !== undefined && xml.charCodeAt(pos + open.length) === 0x3e && xml.startsWith(open, pos)) {
        pos += open.length + 1;
      } else {
        const name = readName('an element name');
        skipWs();
        if (xml.charCodeAt(pos) !== 0x3e) fail("expected '>'");
        pos++;
        if (open === undefined) fail(`end tag </${name}> without a start tag`, start);
        if (open !== name) fail(`end tag </${name}> does not match <${open}>`, start);
      }
      const top = stack.pop();
      if (top!.bindings) for (const p of top!.bindings.keys()) ns.get(p)!.pop();
      handler.endElement();
      if (stack.length === 0) {
        rootClosed = true;
        if (options.stopAfterRoot) return;
      }
      continue;
    }
    // start tag
    if (rootClosed) fail('a second root element', start);
    pos++;
    const qname = readName('an element name');
    let rawAttrs: [string, string, number][] | undefined;
    let rawNames: Set<string> | undefined;
    let nameOffsets: number[] | undefined;
    let selfClosing = false;
    for (;;) {
      const hadWs = skipWs();
      const d = xml.charCodeAt(pos);
      if (d === 0x3e) {
        pos++;
        break;
      }
      if (d === 0x2f && xml.charCodeAt(pos + 1) === 0x3e) {
        pos += 2;
        selfClosing = true;
        break;
      }
      if (pos >= n) fail(`unterminated start tag <${qname}>`, start);
      if (!hadWs) fail('expected whitespace between attributes');
      (nameOffsets ??= []).push(pos);
      const an = readName('an attribute name');
      skipWs();
      if (xml.charCodeAt(pos) !== 0x3d) fail(`expected '=' after attribute ${an}`);
      pos++;
      skipWs();
      const q = xml.charCodeAt(pos);
      if (q !== 0x22 && q !== 0x27) fail(`the value of attribute ${an} must be quoted`);
      const end = xml.indexOf(q === 0x22 ? '"' : "'", pos + 1);
      if (end === -1) fail(`unterminated value of attribute ${an}`);
      const raw = xml.slice(pos + 1, end);
      const ltAt = raw.indexOf('<');
      if (ltAt !== -1) fail(`'<' is not allowed in the value of attribute ${an} (write &lt;)`, pos + 1 + ltAt);
      checkChars(raw, pos + 1);
      // a set, not a scan of the earlier attributes: 100,000 attributes cost seconds when quadratic
      if (rawAttrs !== undefined) {
        if (rawNames === undefined) rawNames = new Set(rawAttrs.map((a) => a[0]));
        if (rawNames.has(an)) fail(`attribute ${an} appears twice`);
        rawNames.add(an);
      }
      (rawAttrs ??= []).push([an, decode(raw, pos + 1, true), pos]);
      pos = end + 1;
    }
    if (stack.length >= maxDepth) {
      const where = lineColumn(xml, start);
      throw new JsonXmlError(
        'JSONXML_TOO_DEEP',
        `XML at line ${where.line}, column ${where.column} nests deeper than ${maxDepth} elements.`,
        where,
      );
    }
    rootSeen = true;
    // namespace declarations first, so the element and its attributes resolve against them
    let bindings: Map<string, string> | undefined;
    let declarations = NO_DECLARATIONS;
    let plain: [string, string, number][] | undefined;
    if (rawAttrs !== undefined)
      for (const a of rawAttrs) {
        const [an, value, at] = a;
        if (an === 'xmlns' || an.startsWith('xmlns:')) {
          const prefix = an === 'xmlns' ? '' : an.slice(6);
          if (prefix === 'xmlns' || (prefix === 'xml' && value !== XML_NS))
            fail(`the prefix ${prefix} cannot be declared`, at);
          if (prefix !== '' && value === '') fail(`the prefix ${prefix} cannot be undeclared in XML 1.0`, at);
          (bindings ??= new Map()).set(prefix, value);
          let list = ns.get(prefix);
          if (!list) ns.set(prefix, (list = []));
          list.push(value);
          (declarations === NO_DECLARATIONS ? (declarations = []) : declarations).push({ prefix, uri: value });
        } else {
          (plain ??= []).push(a);
        }
      }
    const [prefix, local] = split(qname, start + 1);
    const uri = prefix === '' ? (lookup('') ?? '') : lookup(prefix);
    if (uri === undefined) fail(`the prefix ${prefix} of <${qname}> is not declared`, start);
    const attributes: XmlAttribute[] =
      plain === undefined
        ? NO_ATTRIBUTES
        : plain.map(([an, value, at]) => {
            const [ap, al] = split(an, at);
            const au = ap === '' ? '' : lookup(ap);
            if (au === undefined) fail(`the prefix ${ap} of attribute ${an} is not declared`, at);
            return { qname: an, prefix: ap, local: al, uri: au!, value };
          });
    if (attributes.length > 1) {
      const expanded = new Map<string, XmlAttribute>();
      for (let i = 0; i < attributes.length; i++) {
        const a = attributes[i]!;
        if (a.uri === '') continue;
        const key = `${a.uri}\u0000${a.local}`;
        const b = expanded.get(key);
        if (b) fail(`attributes ${b.qname} and ${a.qname} are the same attribute`, plain![i]![2]);
        expanded.set(key, a);
      }
    }
    handler.startElement(
      qname,
      prefix,
      local,
      uri!,
      attributes,
      declarations,
      rawAttrs === undefined ? NO_ORDERED : rawAttrs.map(([an, value]) => [an, value] as const),
      { start, attributes: nameOffsets ?? NO_OFFSETS },
    );
    if (selfClosing) {
      if (bindings) for (const p of bindings.keys()) ns.get(p)!.pop();
      handler.endElement();
      if (stack.length === 0) {
        rootClosed = true;
        if (options.stopAfterRoot) return;
      }
    } else {
      stack.push({ qname, bindings });
    }
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1]!.qname}> is not closed`, n);
  if (!rootSeen) fail('no root element', n);
}
