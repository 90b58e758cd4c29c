import fc from 'fast-check';
import { decodeUtf8, jsonString, jsonToXml, JsonXmlError, readXml, xmlToJson, bigDecimalString, PROPERTIES } from '..';
import { jsonTokens } from './compare';

const errorOf = (fn: () => unknown): JsonXmlError => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(JsonXmlError);
    return err as JsonXmlError;
  }
  throw new Error('expected an error');
};

describe('bigDecimalString (java.math.BigDecimal#toString)', () => {
  it.each([
    ['25e1', '2.5E+2'],
    ['0.0000001', '1E-7'],
    ['0.000001', '0.000001'],
    ['-0', '0'],
    ['-0.0', '0.0'],
    ['25.0000', '25.0000'],
    ['4.00', '4.00'],
    ['1e3', '1E+3'],
    ['1.50e1', '15.0'],
    ['1.5e2', '1.5E+2'],
    ['0e5', '0E+5'],
    ['-12.340e-2', '-0.12340'],
    ['12345678901234567890123456', '12345678901234567890123456'],
    ['5.498486260437736E7', '54984862.60437736'],
    ['7.1e1', '71'],
    ['100', '100'],
    ['0.1E-10', '1E-11'],
  ])('%s → %s', (input, out) => expect(bigDecimalString(input)).toBe(out));
});

describe('xmlToJson', () => {
  it("reads the root element and nothing after it, as Micro Integrator's builder does", () => {
    expect(xmlToJson('<a>1</a><b/>')).toBe('{"a":1}');
    expect(xmlToJson('<a>1</a>junk <<')).toBe('{"a":1}');
  });

  it('writes a root jsonValue (any namespace) as its own text, whatever it contains', () => {
    expect(xmlToJson('<p:jsonValue xmlns:p="urn:p" a="1">12</p:jsonValue>')).toBe('12');
    expect(xmlToJson('<jsonValue>"x"<a>ignored</a></jsonValue>')).toBe('"x"');
    expect(xmlToJson('<jsonValue><a>1</a></jsonValue>')).toBe('');
    expect(() => xmlToJson('<jsonValue>hello</jsonValue>')).toThrow(/would send as a body that is not JSON/);
  });

  it('keeps number text, reformats exponents, keeps leading-zero strings', () => {
    expect(
      xmlToJson(
        '<a><p>500.0</p><e>25e1</e><z>0001</z><plus>+1</plus><dot>.5</dot><sp> 1 </sp><big>123456789012345678901234567890</big></a>',
      ),
    ).toBe(
      '{"a":{"p":500.0,"e":2.5E+2,"z":"0001","plus":"+1","dot":".5","sp":" 1 ","big":123456789012345678901234567890}}',
    );
  });

  it('makes arrays of adjacent repeats only; a later repeat is a duplicate key (as WSO2 does)', () => {
    expect(xmlToJson('<r><a>1</a><a>2</a><b>3</b><a>4</a></r>')).toBe('{"r":{"a":[1,2],"b":3,"a":4}}');
    expect(xmlToJson('<r><a>1</a><a>2</a></r>', { 'synapse.commons.json.output.jsonoutAutoArray': 'false' })).toBe(
      '{"r":{"a":1,"a":2}}',
    );
  });

  it('honours <?xml-multiple?>: forced arrays, empty arrays, nameless PIs, and can be switched off', () => {
    expect(xmlToJson('<r><?xml-multiple a?><a>1</a></r>')).toBe('{"r":{"a":[1]}}');
    expect(xmlToJson('<r><?xml-multiple a?><b>1</b></r>')).toBe('{"r":{"a":[],"b":1}}');
    expect(xmlToJson('<r><?xml-multiple?><b>1</b></r>')).toBe('{"r":{"b":[1]}}');
    expect(
      xmlToJson('<r><?xml-multiple a?><a>1</a></r>', { 'synapse.commons.json.output.jsonoutMultiplePI': 'false' }),
    ).toBe('{"r":{"a":1}}');
  });

  it('unwraps jsonObject/jsonArray/jsonElement and writes empty ones as null', () => {
    expect(xmlToJson('<jsonObject/>')).toBe('null');
    expect(xmlToJson('<jsonArray/>')).toBe('null');
    expect(xmlToJson('<jsonArray><jsonElement>x</jsonElement></jsonArray>')).toBe('"x"');
    expect(xmlToJson('<a><jsonObject><b>1</b></jsonObject></a>')).toBe('{"a":{"b":1}}');
    expect(xmlToJson('<a x="1"><jsonObject><b>1</b></jsonObject></a>')).toBe('{"a":{"@x":"1","jsonObject":{"b":1}}}');
  });

  it('refuses a default namespace spread from an @-object after a child member, as WSO2 does', () => {
    // the engine: "Cannot read namespace: element has children or text"; a prefixed one is dropped
    expect(errorOf(() => jsonToXml('{"items":{"a":1},"@nil":{"xmlns":"urn:x"}}')).code).toBe('JSONXML_UNSUPPORTED');
    expect(jsonToXml('{"items":{"a":1},"@nil":{"xmlns:q":"urn:x"}}')).toBe(
      '<jsonObject><items><a>1</a></items></jsonObject>',
    );
  });

  it('declares the prefixes of one "@xmlns" object in the order WSO2\'s HashMap gives them', () => {
    // orders the engine wrote for these inputs
    const ns = (o: string) => /<r ([^>]*)>/.exec(jsonToXml(`{"r":{"@xmlns":{${o}},"v":1}}`))![1];
    expect(ns('"c":"1","b":"2","a":"3"')).toBe('xmlns:a="3" xmlns:b="2" xmlns:c="1"');
    expect(ns('"xay":"1","x":"2"')).toBe('xmlns:x="2" xmlns:xay="1"');
    expect(ns('"zz":"1","p":"2"')).toBe('xmlns:zz="1" xmlns:p="2"');
    expect(ns('"p":"1","zz":"2"')).toBe('xmlns:p="1" xmlns:zz="2"');
    expect(ns('"b":"1","$":"urn:d","a":"2"')).toBe('xmlns="urn:d" xmlns:a="2" xmlns:b="1"');
  });

  it('writes a root <jsonValue> raw', () => {
    expect(xmlToJson('<jsonValue>"x"</jsonValue>')).toBe('"x"');
    expect(xmlToJson('<jsonValue>1.0E10</jsonValue>')).toBe('1.0E10');
    expect(errorOf(() => xmlToJson('<jsonValue>not json</jsonValue>')).code).toBe('JSONXML_UNSUPPORTED');
  });

  it('strips namespaces and prefixes (elements and attributes) unless asked to keep them', () => {
    const xml =
      '<p:a xmlns:p="urn:p" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="t" xml:lang="en"><p:b>1</p:b></p:a>';
    expect(xmlToJson(xml)).toBe('{"a":{"@type":"t","@lang":"en","b":1}}');
    expect(xmlToJson(xml, { 'synapse.commons.json.preserve.namespace': 'true' })).toBe(
      '{"p_a":{"@xsi_type":"t","@xml_lang":"en","p_b":1}}',
    );
  });

  it('decodes _JsonReader_ names (PD and PS always, code points with buildValidNCNames)', () => {
    expect(
      xmlToJson(
        '<a><_JsonReader_PD_1x>1</_JsonReader_PD_1x><_JsonReader_PS_id>2</_JsonReader_PS_id><a_JsonReader_32_b>3</a_JsonReader_32_b></a>',
      ),
    ).toBe('{"a":{"1x":1,"$id":2,"a_JsonReader_32_b":3}}');
    expect(xmlToJson('<a_JsonReader_32_b>3</a_JsonReader_32_b>', { 'synapse.build_valid_nc_name': 'true' })).toBe(
      '{"a b":3}',
    );
  });

  it('escapes JSON as Synapse does: quote, backslash and whitespace controls, slash and non-ASCII raw', () => {
    expect(xmlToJson('<a>q"b\\s/&#xA;&#x9;&#xD;é😀</a>')).toBe('{"a":"q\\"b\\\\s/\\n\\t\\ré😀"}');
  });

  it('writes other control characters as upper-case \\u escapes', () => {
    expect(jsonString('\u0001\u001f\b\f')).toBe('"\\u0001\\u001F\\b\\f"');
  });

  it('reads CDATA as text, ignores comments and other PIs, and decodes references', () => {
    expect(xmlToJson('<a><!-- c --><![CDATA[<x> & y]]><?other data?> &lt;&#65;&#x42;</a>')).toBe('{"a":"<x> & y <AB"}');
  });

  it('treats keys like __proto__ as plain data', () => {
    expect(xmlToJson('<__proto__><constructor>1</constructor></__proto__>')).toBe('{"__proto__":{"constructor":1}}');
  });

  it('keeps a lone whitespace text only with PRESERVE_SPACES', () => {
    expect(xmlToJson('<a><b>   </b></a>')).toBe('{"a":{"b":null}}');
    expect(xmlToJson('<a><b>   </b></a>', { PRESERVE_SPACES: 'true' })).toBe('{"a":{"b":"   "}}');
  });

  describe('bad input', () => {
    it('mixed content is an error that names the element (WSO2 fails too)', () => {
      const e = errorOf(() => xmlToJson('<a><b>text<c/>more</b></a>'));
      expect(e.code).toBe('JSONXML_MIXED_CONTENT');
      expect(e.message).toMatch(/Element \/a\/b has text beside child elements/);
    });

    it.each([
      ['<a><b></a>', 1, /end tag <\/a> does not match <b>/],
      ['<a>\n  <b x=1/></a>', 2, /must be quoted/],
      ['<a>&nbsp;</a>', 1, /unknown entity &nbsp;/],
      ['<a>x &amp y</a>', 1, /'&' must start an entity/],
      ['<a b="1" b="2"/>', 1, /appears twice/],
      ['<p:a/>', 1, /prefix p of <p:a> is not declared/],
      ['<a>&#0;</a>', 1, /invalid character reference/],
      ['<a>\u0001</a>', 1, /U\+0001 is not allowed/],
      ['text', 1, /text before the root element/],
      ['', 1, /no root element/],
    ])('%j is malformed (line %i)', (xml, line, message) => {
      const e = errorOf(() => xmlToJson(xml));
      expect(e.code).toBe('JSONXML_MALFORMED_XML');
      expect(e.line).toBe(line);
      expect(e.message).toMatch(message);
    });

    it('refuses DTDs: no entity expansion, no external entities', () => {
      const bomb =
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;">]><lolz>&lol1;</lolz>';
      const xxe = '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>';
      for (const xml of [bomb, xxe]) {
        const e = errorOf(() => xmlToJson(xml));
        expect(e.code).toBe('JSONXML_DTD_REFUSED');
        expect(e.message).toMatch(/Remove the DOCTYPE/);
      }
    });

    it('bounds depth and size', () => {
      expect(errorOf(() => xmlToJson('<a>'.repeat(20) + '</a>'.repeat(20), {}, { maxDepth: 10 })).code).toBe(
        'JSONXML_TOO_DEEP',
      );
      expect(errorOf(() => xmlToJson('<a>'.repeat(100000))).code).toBe('JSONXML_TOO_DEEP');
      expect(errorOf(() => xmlToJson('<a>xxxx</a>', {}, { maxLength: 5 })).code).toBe('JSONXML_TOO_LARGE');
    });
  });
});

describe('jsonToXml', () => {
  it('copies number text verbatim and escapes only & < > in text', () => {
    expect(jsonToXml('{"p":500.0,"e":1.0E10,"i":123456789012345678901234567,"s":"a<b>&\\"c\'"}')).toBe(
      '<jsonObject><p>500.0</p><e>1.0E10</e><i>123456789012345678901234567</i><s>a&lt;b&gt;&amp;"c\'</s></jsonObject>',
    );
  });

  it('writes top-level primitives as <jsonValue> with their raw JSON text, and empty input as no payload', () => {
    expect(jsonToXml('"x"')).toBe('<jsonValue>"x"</jsonValue>');
    expect(jsonToXml('12.50')).toBe('<jsonValue>12.50</jsonValue>');
    expect(jsonToXml('  ')).toBe('');
    // WSO2 tests only that the text starts and ends with a quote: a lone quote, or quotes inside, pass
    expect(jsonToXml('"')).toBe('<jsonValue>"</jsonValue>');
    expect(jsonToXml('"a"b"')).toBe('<jsonValue>"a"b"</jsonValue>');
    expect(() => jsonToXml('"abc')).toThrow(/a top-level JSON value must be the whole body/);
  });

  it('keeps duplicate keys as repeated elements, in order', () => {
    expect(jsonToXml('{"a":1,"b":2,"a":3}')).toBe('<jsonObject><a>1</a><b>2</b><a>3</a></jsonObject>');
  });

  it('turns @ keys into attributes, spreads an @ object, drops @ keys after an array (WSO2 bug kept)', () => {
    expect(jsonToXml('{"a":{"@id":7,"@o":{"x":"1","y":true},"$":"t"}}')).toBe(
      '<jsonObject><a id="7" x="1" y="true">t</a></jsonObject>',
    );
    expect(jsonToXml('{"a":{"list":[1,2],"@late":"x"}}')).toBe(
      '<jsonObject><a><list>1</list><list>2</list></a></jsonObject>',
    );
    expect(jsonToXml('{"a":{"@q":"say \\"hi\\" & <go>"}}')).toBe(
      '<jsonObject><a q="say &quot;hi&quot; &amp; &lt;go>"/></jsonObject>',
    );
    // also after an object-valued member; a repeated attribute keeps its first place and last value
    expect(jsonToXml('{"a":{"b":1,"@x":"1","c":{"d":1},"@y":"2"}}')).toBe(
      '<jsonObject><a x="1"><b>1</b><c><d>1</d></c></a></jsonObject>',
    );
    expect(jsonToXml('{"a":{"@x":"1","@y":"3","@x":"2"}}')).toBe('<jsonObject><a x="2" y="3"/></jsonObject>');
    // names are written as they are: no _JsonReader_ encoding for attributes, so a bad one is refused
    expect(() => jsonToXml('{"a":{"@1x":1}}', { 'synapse.commons.json.buildValidNCNames': 'true' })).toThrow(
      /"@1x" at line 1, column 7 is not an XML attribute name/,
    );
    expect(() => jsonToXml('{"a":{"@x":null}}')).toThrow(/is null; WSO2 fails on a null attribute/);
    expect(jsonToXml('{"a":{"$":null,"@x":"1"}}')).toBe(
      '<jsonObject><a xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" x="1" xsi:nil="true"/></jsonObject>',
    );
  });

  it('writes text and attributes as Micro Integrator does (Woodstox under Axiom)', () => {
    // a control character: what was written before it stays, then the whole text Java-escaped
    expect(jsonToXml('{"a":"p\tq\u0001\u00e9"}')).toBe('<jsonObject><a>p\tqp\\tq\\u0001\\u00E9</a></jsonObject>');
    expect(jsonToXml('{"a":"x\ry\u0085\ufffe"}')).toBe('<jsonObject><a>x&#xd;y&#x85;&#xfffe;</a></jsonObject>');
    expect(jsonToXml('{"a":{"@x":"a\tb\nc"}}')).toBe('<jsonObject><a x="a&#x9;b&#xa;c"/></jsonObject>');
    expect(() => jsonToXml('{"a":"x\ud800y"}')).toThrow(/line 1, column 6 holds a lone surrogate/);
    expect(() => jsonToXml('{"a":{"@x":"\u0001"}}')).toThrow(/control character U\+0001/);
  });

  it("takes a top-level value only as Micro Integrator's builder does: the whole body", () => {
    expect(jsonToXml('"x"')).toBe('<jsonValue>"x"</jsonValue>');
    expect(jsonToXml('-12.5')).toBe('<jsonValue>-12.5</jsonValue>');
    expect(() => jsonToXml(' 1')).toThrow(/Payload is not a JSON string/);
    expect(() => jsonToXml('1e5')).toThrow(/a number without exponent/);
    expect(jsonToXml('   ')).toBe('');
    // a root object cut off by the end of the input is closed there, as WSO2's scanner does
    expect(jsonToXml('{"a":1')).toBe('<jsonObject><a>1</a></jsonObject>');
    expect(jsonToXml('{"jsonEle')).toBe('<jsonObject/>');
    expect(() => jsonToXml('{"a":{"b":1')).toThrow(/unexpected end of input/);
    expect(() => jsonToXml('{"a":1,"b')).toThrow(/unterminated string/);
    expect(() => jsonToXml('\n')).toThrow(/only whitespace/);
  });

  it('writes null as nil="true" with enableXmlNilReadWrite', () => {
    expect(jsonToXml('{"a":null}', { 'synapse.commons.enableXmlNilReadWrite': 'true' })).toBe(
      '<jsonObject><a nil="true"/></jsonObject>',
    );
  });

  it('encodes names: digits and $ always, other characters with buildValidNCNames', () => {
    expect(jsonToXml('{"1a":1,"$b":2}')).toBe(
      '<jsonObject><_JsonReader_PD_1a>1</_JsonReader_PD_1a><_JsonReader_PS_b>2</_JsonReader_PS_b></jsonObject>',
    );
    expect(jsonToXml('{"a b":1,"x:y":2,"é":3}', { 'synapse.commons.json.buildValidNCNames': 'true' })).toBe(
      '<jsonObject><a_JsonReader_32_b>1</a_JsonReader_32_b><x_JsonReader_58_y>2</x_JsonReader_58_y><é>3</é></jsonObject>',
    );
  });

  it('treats keys like __proto__ as plain data', () => {
    expect(jsonToXml('{"__proto__":{"constructor":1}}')).toBe(
      '<jsonObject><__proto__><constructor>1</constructor></__proto__></jsonObject>',
    );
  });

  describe('bad input', () => {
    it('an invalid element name names the key and suggests buildValidNCNames, instead of broken XML', () => {
      const e = errorOf(() => jsonToXml('{\n  "first name": "Ada"\n}'));
      expect(e.code).toBe('JSONXML_INVALID_NAME');
      expect(e.message).toBe(
        'The JSON key "first name" at line 2, column 3 is not a valid XML element name, so the XML would not be well-formed. Set synapse.commons.json.buildValidNCNames=true to encode it (as WSO2 does), or rename the key.',
      );
      expect(errorOf(() => jsonToXml('{"":1}', { 'synapse.commons.json.buildValidNCNames': 'true' })).message).toMatch(
        /An empty key cannot be converted/,
      );
    });

    it('"$" holding an object is an error (WSO2 fails too)', () => {
      const e = errorOf(() => jsonToXml('{"a":{"$":{"x":1}}}'));
      expect(e.code).toBe('JSONXML_DOLLAR_OBJECT');
      expect(e.message).toMatch(/The "\$" key at line 1, column 7 \(in "a"\) holds an object/);
    });

    it.each([
      ['{"a":1,}', 1, 8],
      ['{"a" 1}', 1, 6],
      ['[1 2]', 1, 4],
      ['{"a":tru}', 1, 6],
      ['{"a":"\\q"}', 1, 6],
      ['{"a":01}', 1, 7],
    ])('%j is malformed at line %i, column %i', (json, line, column) => {
      const e = errorOf(() => jsonToXml(json));
      expect([e.code, e.line, e.column]).toEqual(['JSONXML_MALFORMED_JSON', line, column]);
    });

    it('ignores what follows the root value, as WSO2 does', () => {
      expect(jsonToXml('{"a":1} }')).toBe('<jsonObject><a>1</a></jsonObject>');
    });

    it('bounds depth and size', () => {
      expect(errorOf(() => jsonToXml('{"a":'.repeat(20) + '1' + '}'.repeat(20), {}, { maxDepth: 10 })).code).toBe(
        'JSONXML_TOO_DEEP',
      );
      expect(errorOf(() => jsonToXml('['.repeat(100000))).code).toBe('JSONXML_TOO_DEEP');
      expect(errorOf(() => jsonToXml('[1,2,3]', {}, { maxLength: 3 })).code).toBe('JSONXML_TOO_LARGE');
    });
  });
});

describe('properties', () => {
  it('accepts MI deployment.toml aliases and ignores unrelated Synapse properties', () => {
    expect(xmlToJson('<a>1</a>', { 'synapse.enable_auto_primitive': 'false', 'synapse.threads.core': '20' })).toBe(
      '{"a":"1"}',
    );
  });

  it('names a mistyped property and suggests the right one', () => {
    const e = errorOf(() => xmlToJson('<a/>', { 'synapse.commons.json.buildValidNCName': 'true' }));
    expect(e.code).toBe('JSONXML_BAD_PROPERTY');
    expect(e.message).toMatch(
      /Unknown JSON\/XML property "synapse.commons.json.buildValidNCName"\. Did you mean "synapse.commons.json.buildValidNCNames"\?/,
    );
  });

  it('refuses boolean values other than true/false, and regexes that do not compile', () => {
    expect(errorOf(() => xmlToJson('<a/>', { 'synapse.commons.json.preserve.namespace': 'yes' })).message).toBe(
      'synapse.commons.json.preserve.namespace must be true or false (got "yes").',
    );
    expect(
      errorOf(() => xmlToJson('<a/>', { 'synapse.commons.json.output.disableAutoPrimitive.regex': '(' })).code,
    ).toBe('JSONXML_BAD_PROPERTY');
  });

  it('documents every property with its default', () => {
    expect(PROPERTIES.length).toBe(17);
    for (const p of PROPERTIES) expect(p.description.length).toBeGreaterThan(10);
  });
});

describe('decodeUtf8', () => {
  it('decodes UTF-8 and drops a BOM', () => {
    expect(decodeUtf8(Buffer.from('\ufeff{"é":1}', 'utf8'))).toBe('{"é":1}');
  });
  it('refuses invalid UTF-8 with the offset', () => {
    const e = errorOf(() => decodeUtf8(Buffer.from([0x7b, 0x22, 0xc3, 0x28])));
    expect(e.code).toBe('JSONXML_INVALID_UTF8');
    expect(e.message).toMatch(/offset 2/);
  });
});

describe('properties of the mapping (fast-check)', () => {
  const isXml = (xml: string): boolean => {
    readXml(xml, { startElement() {}, endElement() {}, text() {}, processingInstruction() {} });
    return true;
  };

  it('jsonToXml never crashes and never emits XML that is not well-formed', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 4 }), fc.boolean(), fc.boolean(), (json, ncnames, pi) => {
        const props = {
          'synapse.commons.json.buildValidNCNames': String(ncnames),
          'synapse.json.to.xml.processing.instruction.enabled': String(pi),
        };
        let xml: string;
        try {
          xml = jsonToXml(json, props);
        } catch (err) {
          expect(err).toBeInstanceOf(JsonXmlError);
          return;
        }
        if (xml !== '') expect(isXml(xml)).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it('xmlToJson never crashes and always emits JSON (duplicate keys allowed, as WSO2 writes them)', () => {
    const name = fc.constantFrom(
      'a',
      'b',
      'p:c',
      'jsonObject',
      'jsonArray',
      'jsonElement',
      '_JsonReader_PD_1',
      'x_JsonReader_32_y',
    );
    const leaf = fc.oneof(
      fc.constantFrom(
        '1',
        '25e1',
        '0001',
        'true',
        'null',
        '',
        ' ',
        'x y',
        '&amp;',
        '<![CDATA[c]]>',
        '<?xml-multiple a?>',
        '<?xml-multiple?>',
        '<!-- c -->',
      ),
    );
    const tree: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc
          .tuple(name, fc.array(tie('node'), { maxLength: 4 }), fc.boolean())
          .map(([n, kids, attr]) => `<${n}${attr ? ' k="v" xsi:nil="true"' : ''}>${kids.join('')}</${n}>`),
      ),
    })).node;
    const doc = fc
      .tuple(name, fc.array(tree, { maxLength: 5 }))
      .map(
        ([n, kids]) =>
          `<${n} xmlns:p="urn:p" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">${kids.join('')}</${n}>`,
      );
    fc.assert(
      fc.property(doc, fc.boolean(), fc.boolean(), (xml, nil, autoArray) => {
        let json: string;
        try {
          json = xmlToJson(xml, {
            'synapse.commons.enableXmlNilReadWrite': String(nil),
            'synapse.commons.json.output.jsonoutAutoArray': String(autoArray),
          });
        } catch (err) {
          expect(err).toBeInstanceOf(JsonXmlError);
          expect((err as JsonXmlError).code).toMatch(/^JSONXML_(MIXED_CONTENT|UNSUPPORTED)$/);
          return;
        }
        expect(() => jsonTokens(json)).not.toThrow();
        expect(() => JSON.parse(json)).not.toThrow();
      }),
      { numRuns: 1500 },
    );
  });

  /**
   * The law WSO2's own BuilderFormatterTest relies on: JSON → XML with the PI reader, then XML → JSON
   * with the defaults, gives the same JSON text back, for JSON that XML can carry without loss
   * (no "" or {} which become empty elements, no strings that look like numbers, booleans or null,
   * numbers in BigDecimal's canonical form, no wrapper names as keys).
   */
  it('round-trips JSON through XML with processing instructions, as WSO2 does', () => {
    const key = fc
      .oneof(
        fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/),
        fc.stringMatching(/^[0-9][a-z]{0,3}$/),
        fc.stringMatching(/^\$[a-z]{1,4}$/),
      )
      .filter((k) => !/^json(Object|Array|Element|Value)$/.test(k));
    const str = fc
      .string({ minLength: 1, maxLength: 8 })
      .filter(
        (s) =>
          !/^[ \t\r\n]*$/.test(s) &&
          !/^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)$/.test(s) &&
          !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF\r]/.test(s),
      );
    const num = fc.oneof(
      fc.integer().map(String),
      fc.tuple(fc.integer({ min: -999, max: 999 }), fc.stringMatching(/^[0-9]{1,4}$/)).map(([i, f]) => `${i}.${f}`),
    );
    const value: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        str.map((s) => JSON.stringify(s)),
        num,
        fc.constantFrom('true', 'false', 'null'),
        fc.array(tie('v'), { maxLength: 3 }).map((a) => `[${a.join(',')}]`),
        fc
          .uniqueArray(fc.tuple(key, tie('v')), { minLength: 1, maxLength: 3, selector: ([k]) => k })
          .map((m) => `{${m.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
      ),
    })).v;
    const root = fc.oneof(
      fc
        .uniqueArray(fc.tuple(key, value), { minLength: 1, maxLength: 4, selector: ([k]) => k })
        .map((m) => `{${m.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
      fc.array(value, { maxLength: 3 }).map((a) => `[${a.join(',')}]`),
    );
    fc.assert(
      fc.property(root, (json) => {
        const xml = jsonToXml(json, { 'synapse.json.to.xml.processing.instruction.enabled': 'true' });
        expect(jsonTokens(xmlToJson(xml))).toEqual(jsonTokens(json));
      }),
      { numRuns: 1500 },
    );
  });
});
