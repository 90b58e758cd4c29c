import { rule } from '..';
import { SPEC, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    {
      name: 'attributes and MI expressions with dots',
      file: 'a.j2',
      code: '<variable name="a" expression="${payload.id}" type="STRING"/>\n<property name="b" value="{{b}}"/>\n',
      with: { 'a.json': SPEC('a', ['b']) },
    },
  ],
  invalid: [
    {
      name: '${WORD}',
      file: 'e.j2',
      code: '<drop/>\n<property name="a" value="x-${BACKEND}"/>\n',
      with: { 'e.json': SPEC('e') },
      errors: [{ line: 2, column: 29, message: /environment variable BACKEND/ }],
    },
  ],
});
