import { rule } from '..';
import { seq, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    {
      name: 'kinds with name spaces of their own may share a name (an API and a sequence)',
      file: 'z.xml',
      code: seq('<drop/>', 'name="X"'),
      with: {
        'a.xml':
          '<api xmlns="http://ws.apache.org/ns/synapse" name="X" context="/x"><resource methods="GET"><inSequence><respond/></inSequence></resource></api>',
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
    {
      name: 'a sequence and an endpoint named X (one local registry)',
      file: 'z.xml',
      code: seq('<log/>', 'name="X"'),
      with: {
        'a.xml':
          '<endpoint xmlns="http://ws.apache.org/ns/synapse" name="X"><http method="get" uri-template="http://b"/></endpoint>',
      },
      errors: [
        {
          line: 1,
          column: 51,
          message:
            /A endpoint is named "X" too \(a\.xml\); sequences, endpoints, local entries and templates share one name space/,
        },
      ],
    },
  ],
});
