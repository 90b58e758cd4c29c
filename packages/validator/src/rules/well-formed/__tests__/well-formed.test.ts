import { rule } from '..';
import { seq, SPEC, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    {
      name: 'entities and CDATA',
      code: seq(
        '<log level="custom"><property name="a" value="&lt;&amp;&gt;"/></log>\n<payloadFactory media-type="json"><format><![CDATA[{"a":"<b>"}]]></format><args/></payloadFactory>',
      ),
    },
    {
      name: 'a .j2 with Jinja statements',
      file: 'p.j2',
      code: '{% if x %}\n<drop/>\n{% endif %}\n',
      with: { 'p.json': SPEC('p', ['x']) },
    },
  ],
  invalid: [
    {
      name: 'unclosed element',
      code: seq('<log level="custom">'),
      errors: [{ line: 3, column: 1, message: /<\/sequence> does not match <log>/ }],
    },
    {
      name: 'bare ampersand',
      code: seq('<property name="a" value="x & y"/>'),
      errors: [{ line: 2, column: 33, message: /'&' must start an entity/ }],
    },
    {
      name: 'broken .j2, position in the template itself',
      file: 'b.j2',
      code: '<drop/>\n<log level="custom">\n',
      with: { 'b.json': SPEC('b') },
      errors: [{ line: 3, column: 1 }],
    },
    {
      name: 'a DOCTYPE',
      code: `<!DOCTYPE x [<!ENTITY a "b">]>\n${seq('<drop/>')}`,
      errors: [{ line: 1, column: 1, message: /DOCTYPE/ }],
    },
  ],
});
