import { rule } from '..';
import { SPEC, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    {
      name: 'blocking call',
      file: 'a.j2',
      code: '<call blocking="true"><endpoint key="e"/></call>\n',
      with: { 'a.json': SPEC('a') },
    },
    {
      name: 'send in a fault-flow-only policy',
      file: 'f.j2',
      code: '<property name="HTTP_SC" value="500" scope="axis2"/>\n<send/>\n',
      with: { 'f.json': SPEC('f', [], ['fault']) },
    },
    {
      name: 'send in an XML sequence is not this rule’s business',
      code: '<sequence xmlns="http://ws.apache.org/ns/synapse" name="s"><send/></sequence>',
    },
  ],
  invalid: [
    {
      name: 'send',
      file: 's.j2',
      code: '<log level="custom"/>\n<send/>\n',
      with: { 's.json': SPEC('s') },
      errors: [{ line: 2, column: 1, message: /cannot use <send>/ }],
    },
    {
      name: 'non-blocking call',
      file: 'c.j2',
      code: '<call>\n  <endpoint key="e"/>\n</call>\n',
      with: { 'c.json': SPEC('c') },
      errors: [{ line: 1, column: 1, message: /blocking="true"/ }],
    },
    {
      name: 'send in a policy for request and fault flows',
      file: 'rf.j2',
      code: '<send/>\n',
      with: { 'rf.json': SPEC('rf', [], ['request', 'fault']) },
      errors: [{ line: 1, column: 1 }],
    },
  ],
});
