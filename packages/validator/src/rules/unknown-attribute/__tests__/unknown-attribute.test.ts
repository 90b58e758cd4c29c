import { rule } from '..';
import { seq, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    { name: 'known attributes', code: seq('<log level="custom" category="INFO" separator=","/>') },
    { name: 'namespace declarations', code: seq('<property xmlns:m="urn:m" name="a" expression="//m:a"/>') },
  ],
  invalid: [
    {
      name: 'a misspelt attribute',
      code: seq('<log levle="custom"/>'),
      errors: [{ line: 2, column: 10, message: '<log> has no attribute levle in MI 4.4.' }],
    },
    {
      name: 'two unknown attributes',
      code: seq('<drop a="1" b="2"/>'),
      errors: [
        { line: 2, column: 11 },
        { line: 2, column: 17 },
      ],
    },
  ],
});
