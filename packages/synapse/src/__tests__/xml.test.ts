/** The XML writer: escaping, CDATA, and the values XML cannot carry. */
import { XMLParser } from 'fast-xml-parser';
import { comment, el, text, writeXml } from '..';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  cdataPropName: '#cdata',
});

describe('writeXml', () => {
  it('escapes attribute values so that any value reads back unchanged', () => {
    const value = `a"b'c<d>&e\nf\tg`;
    const xml = writeXml(el('property', { name: 'p', value }));
    expect(xml).toBe('<property name="p" value="a&quot;b\'c&lt;d&gt;&amp;e&#10;f&#9;g"/>\n');
    const back = parser.parse(xml) as { property: { value: string } };
    expect(back.property.value.replace(/&#10;/g, '\n').replace(/&#9;/g, '\t')).toBe(value);
  });

  it('escapes text and keeps CDATA intact even when it contains "]]>"', () => {
    expect(writeXml(el('a', null, 'x < y & z'))).toBe('<a>x &lt; y &amp; z</a>\n');
    const xml = writeXml(el('format', null, text('{"a":"]]>"}', true)));
    const back = parser.parse(xml) as { format: { '#cdata': string[] | string } };
    const cdata = back.format['#cdata'];
    expect(Array.isArray(cdata) ? cdata.join('') : cdata).toBe('{"a":"]]>"}');
  });

  it('leaves out undefined attributes and keeps the given order', () => {
    expect(writeXml(el('x', { b: '1', a: undefined, c: 2 }))).toBe('<x b="1" c="2"/>\n');
  });

  it.each([
    [() => writeXml(el('a', { v: 'bell\u0007' })), /U\+0007/],
    [() => writeXml(el('a', { 'bad name': 'x' })), /not a valid attribute name/],
    [() => writeXml(el('1a')), /not a valid element name/],
    [() => writeXml(comment('a -- b')), /cannot contain "--"/],
    [() => writeXml(el('a', { x: '1' }, el('b', { y: '1', ...{} }), el('c'))), null],
  ])('refuses what XML cannot hold, saying what (%#)', (fn, message) => {
    if (message === null) expect(fn).not.toThrow();
    else expect(fn).toThrow(message);
  });

  it('indents nested elements with four spaces', () => {
    expect(writeXml(el('a', null, el('b', null, el('c'))))).toBe('<a>\n    <b>\n        <c/>\n    </b>\n</a>\n');
  });
});
