import { rule } from '..';
import { seq, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    {
      name: 'one setting each',
      code: seq('<property name="p" value="1"/><filter xpath="//a"><then><drop/></then></filter>'),
    },
    {
      name: 'an endpoint property (other rules)',
      code: '<endpoint xmlns="http://ws.apache.org/ns/synapse" name="e">\n<address uri="http://x"/><property name="a" value="1" expression="//b"/></endpoint>',
    },
  ],
  invalid: [
    {
      name: 'value and expression (value wins)',
      code: seq('<property name="p" value="1" expression="//a"/>'),
      errors: [{ line: 2, column: 34, message: /uses value and ignores expression/ }],
    },
    {
      name: 'expression and inline XML (the XML wins)',
      code: seq('<property name="p" expression="//a"><x xmlns=""/></property>'),
      errors: [{ line: 2, column: 41, message: /uses the XML and ignores expression/ }],
    },
    {
      name: 'filter with xpath and source/regex',
      code: seq('<filter xpath="//a" source="//b" regex="x"><then><drop/></then></filter>'),
      errors: [{ line: 2, column: 25, message: /evaluates xpath and ignores source and regex/ }],
    },
  ],
});
