/**
 * Generators of JSON and XML documents for the differential test against WSO2's engine. They lean on
 * what WSO2's mapping treats specially: the names `jsonObject`, `jsonArray`, `jsonElement`,
 * `jsonValue`, `_JsonReader_…` escapes, `@` attribute keys and `$` text, `<?xml-multiple?>`
 * instructions, namespaces and prefixes, `nil` attributes, numbers written every way JSON allows,
 * whitespace-only and control-character text, and inputs WSO2 rejects (cut or corrupted documents).
 */
import fc from 'fast-check';

/** Property sets the differential runs under (synapse.properties entries, WSO2's names). */
export const PROPERTY_SETS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  defaults: {},
  pis: { 'synapse.json.to.xml.processing.instruction.enabled': 'true' },
  xmloutMultiplePI: { 'synapse.commons.json.output.xmloutMultiplePI': 'true' },
  nil: { 'synapse.commons.enableXmlNilReadWrite': 'true' },
  ncNames: { 'synapse.commons.json.buildValidNCNames': 'true' },
  noAutoPrimitive: { 'synapse.commons.json.output.autoPrimitive': 'false' },
  preserveNamespace: { 'synapse.commons.json.preserve.namespace': 'true' },
  namespaceDeclarations: {
    'synapse.commons.json.preserve.namespace': 'true',
    'synapse.commons.json.output.enableNSDeclarations': 'true',
    'synapse.commons.json.output.namespaceSepChar': ':',
  },
  disableAutoPrimitiveRegex: { 'synapse.commons.json.output.disableAutoPrimitive.regex': '^-?[0-9]+$' },
  customReplace: {
    'synapse.commons.json.json.output.disableAutoPrimitive.customReplaceRegex': '@@',
    'synapse.commons.json.json.output.disableAutoPrimitive.customReplaceSequence': '',
  },
  noAutoArray: { 'synapse.commons.json.output.jsonoutAutoArray': 'false' },
  noMultiplePI: { 'synapse.commons.json.output.jsonoutMultiplePI': 'false' },
  emptyAsString: { 'synapse.commons.enableXmlNullForEmptyElement': 'false' },
  xmloutAutoArrayOff: { 'synapse.commons.json.output.xmloutAutoArray': 'false' },
  emptyXmlElemToEmptyStr: { 'synapse.commons.json.output.emptyXmlElemToEmptyStr': 'true' },
  combined: {
    'synapse.json.to.xml.processing.instruction.enabled': 'true',
    'synapse.commons.enableXmlNilReadWrite': 'true',
    'synapse.commons.json.buildValidNCNames': 'true',
    'synapse.commons.json.output.autoPrimitive': 'false',
  },
};

const SPECIAL_NAMES = ['jsonObject', 'jsonArray', 'jsonElement', 'jsonValue', 'jsonEmpty'];
const NAME_ESCAPES = [
  '_JsonReader_PD_1a',
  '_JsonReader_PS_id',
  'a_JsonReader_32_b',
  '_JsonReader_58_',
  'x_JsonReader_36_',
];

const plainKey = fc.constantFrom('a', 'b', 'id', 'order', 'items', 'name', 'x', 'value', 'nil', 'type', 'e');
const oddKey = fc.constantFrom(
  '1st',
  '$schema',
  '$',
  '@',
  '',
  'a b',
  'a:b',
  'ns:c',
  'xmlns',
  'é',
  'straße',
  '-x',
  '.y',
  '_u',
  'a\u0001',
  'tab\tkey',
  '日本',
  'k>',
  'q"',
);
const attrKey = fc.oneof(
  plainKey.map((k) => `@${k}`),
  fc.constantFrom('@xmlns', '@xmlns:p', '@nil', '@jsonObject', '@1x', '@$a', '@a b', '@'),
);

/** A key: plain names, WSO2's special names, escapes, attribute and text keys, names XML cannot carry. */
export const jsonKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: plainKey },
  { weight: 2, arbitrary: fc.constantFrom(...SPECIAL_NAMES) },
  { weight: 1, arbitrary: fc.constantFrom(...NAME_ESCAPES) },
  { weight: 3, arbitrary: attrKey },
  { weight: 1, arbitrary: fc.constant('$') },
  { weight: 2, arbitrary: oddKey },
);

const specialText = fc.constantFrom(
  '',
  ' ',
  '  ',
  '\n',
  ' x ',
  'true',
  'false',
  'null',
  'TRUE',
  '1',
  '-1',
  '1.0',
  '01',
  '1e3',
  '0x1F',
  '12345678901234567890',
  '<&>',
  ']]>',
  'a>b',
  '"q"',
  "it's",
  'back\\slash',
  'é',
  '😀',
  'a\u0011b',
  '\u0001',
  'x\u0000',
  'tab\there',
  'cr\rlf',
  '\u007f',
  '\u0085',
  '\ufffe',
  '@@1',
  '@@x',
  '&amp;',
  'jsonObject',
  '<a/>',
  '_JsonScanner_EMPTY_OBJECT',
  'org.apache.synapse.commons.staxon.core.json.JsonXMLStreamWriter.{http://www.w3.org/2001/XMLSchema-instance}#nil=true_',
);

/** Text for string values and XML text: short words, numbers as text, escapes, controls, non-ASCII. */
export const textValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: specialText },
  { weight: 3, arbitrary: fc.string({ maxLength: 14 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
);

/** Number text as JSON allows it (and a few forms it does not). */
export const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '0',
    '-0',
    '1',
    '-1',
    '1.0',
    '1.50',
    '-0.0',
    '1e5',
    '1E+5',
    '1e-5',
    '2.5E-3',
    '12345678901234567890',
    '3.141592653589793238462643',
    '1.7976931348623157e309',
    '0.1',
    '100',
  ),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
);

/** A JSON string literal for `s`, escaping some characters as `\uXXXX` or `\/` the way clients do. */
function stringLiteral(s: string, style: number): string {
  let out = JSON.stringify(s);
  if (style === 1) out = out.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  else if (style === 2) out = out.replace(/\//g, '\\/');
  else if (style === 3) out = out.replace(/[\u0000-\u001f]/g, (c) => (c === '\n' ? '\\n' : c)); // raw controls
  return out;
}

const ws = fc.constantFrom('', '', '', ' ', '\n  ', '\t');

/** Serialized JSON text, mostly objects at the top, with arrays, primitives and odd spacing. */
export const jsonDocument: fc.Arbitrary<string> = fc
  .letrec<{ value: string; object: string; array: string; str: string; prim: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      tie('prim'),
      tie('str'),
      tie('object'),
      tie('array'),
    ),
    str: fc.tuple(textValue, fc.integer({ min: 0, max: 5 })).map(([s, style]) => stringLiteral(s, style)),
    prim: fc.oneof(numberText, fc.constantFrom('true', 'false', 'null')),
    object: fc
      .array(fc.tuple(jsonKey, fc.integer({ min: 0, max: 5 }), ws, tie('value')), { maxLength: 5 })
      .map((members) => `{${members.map(([k, st, w, v]) => `${w}${stringLiteral(k, st)}${w}:${v}`).join(',')}}`),
    array: fc
      .array(fc.tuple(ws, tie('value')), { maxLength: 4 })
      .map((items) => `[${items.map(([w, v]) => w + v).join(',')}]`),
  }))
  .value.chain((v) =>
    fc.oneof(
      { weight: 12, arbitrary: fc.constant(v) },
      { weight: 2, arbitrary: fc.constant(`{"root":${v}}`) },
      { weight: 1, arbitrary: fc.constant(` \n${v}\n `) },
    ),
  );

/** Document text with a flaw WSO2 may refuse: cut short, a character replaced, garbage after it. */
function corrupt(doc: fc.Arbitrary<string>, garbage: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(doc, fc.nat(), fc.constantFrom(...garbage), fc.integer({ min: 0, max: 2 })).map(([d, at, g, how]) => {
    // never between the halves of a surrogate pair: a body arrives as UTF-8, which cannot hold half of one
    let i = d.length === 0 ? 0 : at % d.length;
    if (i > 0 && (d.charCodeAt(i) & 0xfc00) === 0xdc00) i--;
    if (how === 0) return d.slice(0, i);
    if (how === 1) return d.slice(0, i) + g + d.slice(i + 1);
    return d + g;
  });
}

/**
 * Whether the text has no half of a surrogate pair: a body arrives as UTF-8, which cannot carry one,
 * and the engine (fed UTF-8) would see a replacement character instead.
 */
const encodable = (text: string): boolean =>
  !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);

/** JSON inputs: mostly well-formed, some corrupted. */
export const jsonInput: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 9, arbitrary: jsonDocument },
    {
      weight: 1,
      arbitrary: corrupt(jsonDocument, ['}', ']', ',', '"', "'", 'x', '{', ':', '/*c*/', 'NaN', '\u0000']),
    },
  )
  .filter(encodable);

const NAMESPACES = [
  ['p', 'urn:p'],
  ['q', 'http://example.com/q'],
  ['xsi', 'http://www.w3.org/2001/XMLSchema-instance'],
  ['soapenv', 'http://schemas.xmlsoap.org/soap/envelope/'],
] as const;

const elementLocal = fc.oneof(
  { weight: 6, arbitrary: plainKey },
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_NAMES) },
  { weight: 1, arbitrary: fc.constantFrom(...NAME_ESCAPES) },
  { weight: 1, arbitrary: fc.constantFrom('é', 'a.b', 'a-b', '_', 'A1') },
);

interface XmlNode {
  text: string;
}

function escapeText(s: string, cdata: boolean): string {
  if (cdata && !s.includes(']]>')) return `<![CDATA[${s}]]>`;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\r/g, '&#13;');
}

function escapeAttr(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;');
}

/** Text that XML 1.0 can carry (controls other than tab, newline and CR left out). */
const xmlText = textValue.map((s) =>
  s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udfff]/g, ''),
);

const pi = fc.oneof(
  fc.constantFrom(
    '<?xml-multiple?>',
    '<?xml-multiple a?>',
    '<?xml-multiple  items ?>',
    '<?xml-multiple jsonElement?>',
    '<?other x?>',
  ),
  elementLocal.map((n) => `<?xml-multiple ${n}?>`),
);

/** An XML document: a tree of elements with attributes, namespaces, text, CDATA, PIs and comments. */
export const xmlDocument: fc.Arbitrary<string> = fc
  .letrec<{ node: XmlNode; element: XmlNode; content: XmlNode }>((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('content'), tie('element'), tie('element')),
    content: fc.oneof(
      fc.tuple(xmlText, fc.boolean()).map(([t, c]) => ({ text: escapeText(t, c) })),
      numberText.map((t) => ({ text: t })),
      fc.constantFrom('', ' ', '\n  ', 'true', 'null').map((t) => ({ text: t })),
      pi.map((t) => ({ text: t })),
      fc.constant({ text: '<!-- c -->' }),
    ),
    element: fc
      .record({
        prefix: fc.oneof(
          { weight: 5, arbitrary: fc.constant(-1) },
          { weight: 2, arbitrary: fc.integer({ min: 0, max: 3 }) },
        ),
        defaultNs: fc.oneof(
          { weight: 6, arbitrary: fc.constant('') },
          { weight: 1, arbitrary: fc.constantFrom('urn:d', 'http://ws.apache.org/ns/synapse') },
        ),
        local: elementLocal,
        attrs: fc.array(
          fc.tuple(
            fc.oneof(plainKey, fc.constantFrom('nil', 'xsi:nil', 'xsi:type', 'xml:lang', 'p:a', 'jsonObject')),
            fc.oneof(xmlText, fc.constantFrom('true', '1', '', '1.5')),
          ),
          { maxLength: 3 },
        ),
        repeat: fc.oneof(
          { weight: 4, arbitrary: fc.constant(1) },
          { weight: 1, arbitrary: fc.integer({ min: 2, max: 3 }) },
        ),
        children: fc.array(tie('node'), { maxLength: 4 }),
      })
      .map(({ prefix, defaultNs, local, attrs, repeat, children }) => {
        const decls: string[] = [];
        let name = local;
        if (prefix >= 0) {
          const [p, uri] = NAMESPACES[prefix];
          name = `${p}:${local}`;
          decls.push(` xmlns:${p}="${uri}"`);
        }
        if (defaultNs) decls.push(` xmlns="${defaultNs}"`);
        const seen = new Set<string>();
        const attrText = attrs
          .filter(([n]) => (seen.has(n) ? false : (seen.add(n), true)))
          .map(([n, v]) => {
            if (n.startsWith('xsi:') && !decls.some((d) => d.includes('xmlns:xsi')))
              decls.push(` xmlns:xsi="${NAMESPACES[2][1]}"`);
            if (n.startsWith('p:') && !decls.some((d) => d.includes('xmlns:p='))) decls.push(` xmlns:p="urn:p"`);
            return ` ${n}="${escapeAttr(v)}"`;
          })
          .join('');
        const body = children.map((c) => c.text).join('');
        const one =
          body === '' && repeat === 1 && local.length % 2 === 0
            ? `<${name}${decls.join('')}${attrText}/>`
            : `<${name}${decls.join('')}${attrText}>${body}</${name}>`;
        return { text: one.repeat(repeat) };
      }),
  }))
  .element.chain((root) =>
    fc.oneof(
      { weight: 5, arbitrary: fc.constant(root.text) },
      // a document that is one element: repeats at the top level would not be well-formed
      {
        weight: 3,
        arbitrary: fc.constantFrom('jsonObject', 'jsonArray', 'root').map((r) => `<${r}>${root.text}</${r}>`),
      },
      {
        weight: 1,
        arbitrary: fc.constant(
          `<?xml version="1.0" encoding="UTF-8"?>\n<jsonArray><?xml-multiple?>${root.text}</jsonArray>`,
        ),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom('jsonValue', 'a').chain((r) => numberText.map((t) => `<${r}>${t}</${r}>`)),
      },
    ),
  )
  .map((doc) =>
    /^<([^\s>/]+)[^>]*>.*<\/\1>$|^<[^>]*\/>$/s.test(doc) || doc.startsWith('<?xml ') ? doc : `<root>${doc}</root>`,
  );

/** XML inputs: mostly well-formed, some corrupted. */
export const xmlInput: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 9, arbitrary: xmlDocument },
    { weight: 1, arbitrary: corrupt(xmlDocument, ['<', '>', '&', '"', '</x>', '&nope;', '\u0001', 'z']) },
  )
  .filter(encodable);
