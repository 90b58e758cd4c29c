import { rule } from '..';
import { testRule } from '../../../__tests__/ruleTester';

const ep = (uri: string): string =>
  `<endpoint xmlns="http://ws.apache.org/ns/synapse" name="e">\n    <http method="get" uri-template="${uri}"/>\n</endpoint>`;

testRule(rule, {
  valid: [
    { name: 'whole value', code: ep('$SYSTEM:BACKEND_URL') },
    { name: '$FILE whole value', code: ep('$FILE:backend') },
    { name: 'no variable', code: ep('http://backend/{uri.var.id}') },
  ],
  invalid: [
    {
      name: 'suffix after the variable',
      code: ep('$SYSTEM:HOST/orders'),
      errors: [{ line: 2, column: 24, message: /must be the whole value/ }],
    },
    { name: 'prefix before the variable', code: ep('http://$SYSTEM:HOST'), errors: [{ line: 2, column: 24 }] },
  ],
});
