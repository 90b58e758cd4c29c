import { rule } from '..';
import { seq, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    {
      name: 'different kinds may share a name',
      file: 'z.xml',
      code: seq('<drop/>', 'name="X"'),
      with: {
        'a.xml':
          '<endpoint xmlns="http://ws.apache.org/ns/synapse" name="X"><http method="get" uri-template="http://b"/></endpoint>',
      },
    },
  ],
  invalid: [
    {
      name: 'two sequences named X',
      file: 'z.xml',
      code: seq('<respond/>', 'name="X"'),
      with: { 'a.xml': seq('<drop/>', 'name="X"') },
      errors: [{ line: 1, column: 51, message: /Another sequence is named "X" \(a\.xml\)/ }],
    },
  ],
});
