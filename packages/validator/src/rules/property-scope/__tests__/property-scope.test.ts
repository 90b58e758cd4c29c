import { rule } from '..';
import { seq, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    {
      name: 'every property scope',
      code: seq(
        ['default', 'transport', 'axis2', 'axis2-client', 'operation', 'registry', 'system']
          .map((s, i) => `<property name="p${i}" value="1" scope="${s}"/>`)
          .join('\n'),
      ),
    },
    {
      name: 'get-property with scopes',
      code: seq(
        '<property name="a" expression="get-property(\'axis2\', \'HTTP_SC\')"/>\n<property name="b" expression="get-property(\'env\', \'HOME\')"/>',
      ),
    },
    {
      name: 'log properties have no scope rule',
      code: seq('<log level="custom"><property name="a" value="1"/></log>'),
    },
  ],
  invalid: [
    {
      name: 'unknown scope',
      code: seq('<property name="x" value="1" scope="galaxy"/>'),
      errors: [{ line: 2, column: 34, message: 'scope="galaxy" is not a property scope.' }],
    },
    {
      name: 'unknown scope in get-property',
      code: seq('<property name="x" expression="get-property(\'axis\', \'HTTP_SC\')"/>'),
      errors: [{ line: 2, column: 24, message: /get-property\('axis'/ }],
    },
  ],
});
