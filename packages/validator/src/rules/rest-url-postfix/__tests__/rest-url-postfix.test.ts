import { rule } from '..';
import { SPEC, testRule } from '../../../__tests__/ruleTester';

const api = (body: string): string =>
  `<api xmlns="http://ws.apache.org/ns/synapse" name="a" context="/a">\n<resource methods="GET" uri-template="/{id}">\n<inSequence>\n${body}\n</inSequence>\n</resource>\n</api>`;

testRule(rule, {
  valid: [
    {
      name: 'removed first',
      code: api('<property name="REST_URL_POSTFIX" scope="axis2" action="remove"/>\n<call><endpoint key="B"/></call>'),
    },
    {
      name: 'a sequence is not an API',
      code: '<sequence xmlns="http://ws.apache.org/ns/synapse" name="s"><call><endpoint key="B"/></call></sequence>',
    },
  ],
  invalid: [
    {
      name: 'call without removal',
      code: api('<call><endpoint key="B"/></call>'),
      errors: [{ line: 4, column: 1, message: /resource path is appended/ }],
    },
    {
      name: 'removed only after the call',
      code: api('<call><endpoint key="B"/></call>\n<property name="REST_URL_POSTFIX" scope="axis2" action="remove"/>'),
      errors: [{ line: 4, column: 1 }],
    },
    {
      name: 'a policy fragment',
      file: 'p.j2',
      code: '<call blocking="true"><endpoint><http method="post" uri-template="http://s/x"/></endpoint></call>\n',
      with: { 'p.json': SPEC('p') },
      errors: [{ line: 1, column: 1, message: /http:\/\/s\/x/ }],
    },
  ],
});
