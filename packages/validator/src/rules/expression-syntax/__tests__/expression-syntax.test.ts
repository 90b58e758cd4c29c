import { rule } from '..';
import { seq, SPEC, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    {
      name: 'XPath with Synapse variables and functions',
      code: seq(
        '<property name="a" expression="fn:concat(\'Bearer \', $ctx:token, //m:a[@id=$trp:x][1]/text())" xmlns:m="urn:m"/>',
      ),
    },
    {
      name: 'filter source and xpath',
      code: seq(
        '<filter source="get-property(\'axis2\', \'HTTP_SC\')" regex="2.."><then><drop/></then></filter>\n<filter xpath="count(//a) &gt; 2 and not(//b)"><then><drop/></then></filter>',
      ),
    },
    {
      name: 'JSONPath',
      code: seq(
        '<property name="a" expression="json-eval($.orders[?(@.qty > 1)].id)"/>\n<payloadFactory media-type="json"><format>{}</format><args><arg evaluator="json" expression="$.a[0:2]"/></args></payloadFactory>',
      ),
    },
    {
      name: 'Synapse expressions',
      code: seq('<variable name="v" expression="${payload.orders[0].id + 1}" type="INTEGER"/>'),
    },
    {
      name: 'placeholders in a .j2 are not parsed',
      file: 'p.j2',
      code: '<property name="a" expression="{{expr}}"/>\n',
      with: { 'p.json': SPEC('p', ['expr']) },
    },
  ],
  invalid: [
    {
      name: 'missing operand',
      code: seq('<property name="a" expression="count(//a) +"/>'),
      errors: [{ line: 2, column: 24, message: /needs an operand/ }],
    },
    {
      name: 'unclosed predicate',
      code: seq('<property name="a" expression="//a[@id=1"/>'),
      errors: [{ line: 2, column: 24, message: /expected '\]'/ }],
    },
    {
      name: 'bad JSONPath (as Jayway compiles it when Synapse builds the mediator)',
      code: seq('<property name="a" expression="json-eval($.orders..)"/>'),
      errors: [{ line: 2, column: 24, message: /must not end with '\.\.'/ }],
    },
    {
      name: 'unclosed Synapse expression',
      code: seq('<variable name="v" expression="${payload.a" type="STRING"/>'),
      errors: [{ line: 2, column: 24, message: /not closed/ }],
    },
  ],
});
