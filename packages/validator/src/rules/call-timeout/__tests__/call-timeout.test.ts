import { rule } from '..';
import { seq, testRule } from '../../../__tests__/ruleTester';

const http = (timeout: boolean): string =>
  `<http method="post" uri-template="http://b/x">${timeout ? '<timeout><duration>5000</duration><responseAction>fault</responseAction></timeout>' : ''}</http>`;
const discard =
  '<http method="post" uri-template="http://b/x"><timeout><duration>5000</duration><responseAction>discard</responseAction></timeout></http>';

testRule(rule, {
  valid: [
    {
      name: 'inline endpoint with timeout and onError',
      code: seq(`<call blocking="true"><endpoint>${http(true)}</endpoint></call>`),
    },
    {
      name: 'named endpoint with timeout',
      code: seq('<call><endpoint key="Backend"/></call>'),
      with: {
        'Backend.xml': `<endpoint xmlns="http://ws.apache.org/ns/synapse" name="Backend">${http(true)}</endpoint>`,
      },
    },
    {
      name: 'API resource with a fault sequence',
      code: `<api xmlns="http://ws.apache.org/ns/synapse" name="a" context="/a">\n<resource methods="GET" faultSequence="fault"><inSequence><call><endpoint>${http(true)}</endpoint></call></inSequence></resource></api>`,
    },
    {
      name: 'discard endpoint in a sequential clone whose original continues',
      code: seq(
        `<clone continueParent="true" sequential="true"><target><sequence><call blocking="true"><endpoint>${discard}</endpoint></call></sequence></target></clone>`,
        'name="s"',
      ),
    },
  ],
  invalid: [
    {
      name: 'discard endpoint in the main flow (a failure leaves the client without an answer)',
      code: seq(`<call blocking="true"><endpoint>${discard}</endpoint></call>`),
      errors: [{ line: 2, column: 5, message: /runs no fault handler .* the client gets no answer/ }],
    },
    {
      name: 'discard endpoint in a clone whose original does not continue',
      code: seq(
        `<clone><target><sequence><call blocking="true"><endpoint>${discard}</endpoint></call></sequence></target></clone>`,
      ),
      errors: [{ line: 2, column: 30, message: /runs no fault handler/ }],
    },
    {
      name: 'no timeout',
      code: seq(`<call>\n    <endpoint>${http(false)}</endpoint>\n</call>`),
      errors: [{ line: 2, column: 5, message: /has no timeout/ }],
    },
    {
      name: 'no error path',
      code: seq(`<call><endpoint>${http(true)}</endpoint></call>`, 'name="s"'),
      errors: [{ line: 2, column: 5, message: /no error path/ }],
    },
    {
      name: 'named endpoint without timeout',
      code: seq('<call><endpoint key="Slow"/></call>'),
      with: { 'Slow.xml': `<endpoint xmlns="http://ws.apache.org/ns/synapse" name="Slow">${http(false)}</endpoint>` },
      errors: [{ line: 2, column: 5, message: /\(Slow\) has no timeout/ }],
    },
  ],
});
