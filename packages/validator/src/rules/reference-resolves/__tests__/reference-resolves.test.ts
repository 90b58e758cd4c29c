import { rule } from '..';
import { seq, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    {
      name: 'resolves within the set',
      code: seq('<sequence key="Other"/>\n<call-template target="T"/>'),
      with: {
        'Other.xml': '<sequence xmlns="http://ws.apache.org/ns/synapse" name="Other"/>',
        'T.xml': '<template xmlns="http://ws.apache.org/ns/synapse" name="T"><sequence/></template>',
      },
    },
    {
      name: 'built-ins, registry and dynamic keys, connectors',
      code: seq(
        '<sequence key="fault"/>\n<sequence key="_cors_request_handler_"/>\n<sequence key="conf:/seq/x.xml"/>\n<sequence key="{$ctx:next}"/>\n<call-template target="email.send"/>',
      ),
    },
  ],
  invalid: [
    {
      name: 'missing template',
      code: seq('<call-template target="Nope"/>'),
      errors: [{ line: 2, column: 20, message: 'No template named "Nope" is among the validated files.' }],
    },
    {
      name: 'missing onError sequence',
      code: seq('<drop/>', 'name="s" onError="Handler"'),
      errors: [{ line: 1, column: 60 }],
    },
    {
      name: 'missing endpoint',
      code: seq('<call><endpoint key="Backend"/></call>'),
      errors: [{ line: 2, column: 21, message: /No endpoint named "Backend"/ }],
    },
  ],
});
