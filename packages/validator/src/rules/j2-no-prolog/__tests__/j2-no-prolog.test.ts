import { rule } from '..';
import { SPEC, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [{ name: 'fragment', file: 'a.j2', code: '<drop/>\n', with: { 'a.json': SPEC('a') } }],
  invalid: [
    {
      name: 'prolog first',
      file: 'p.j2',
      code: '<?xml version="1.0" encoding="UTF-8"?>\n<drop/>\n',
      with: { 'p.json': SPEC('p') },
      errors: [{ line: 1, column: 1 }],
    },
    {
      name: 'prolog after a comment',
      file: 'q.j2',
      code: '{# header #}\n  <?xml version="1.0"?>\n<drop/>\n',
      with: { 'q.json': SPEC('q') },
      errors: [{ line: 2, column: 3 }],
    },
  ],
});
