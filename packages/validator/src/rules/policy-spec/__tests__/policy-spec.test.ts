import { rule } from '..';
import { SPEC, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    { name: 'json spec', file: 'a.j2', code: '<drop/>\n', with: { 'a.json': SPEC('a') } },
    {
      name: 'yml spec',
      file: 'b.j2',
      code: '<drop/>\n<log level="custom"/>\n',
      with: { 'b.yml': 'name: b\nversion: v1\n' },
    },
  ],
  invalid: [
    {
      name: 'no spec',
      file: 'n.j2',
      code: '<drop/>\n<respond/>\n',
      errors: [{ line: 1, column: 1, message: /No specification/ }],
    },
    {
      name: 'broken YAML is an error',
      file: 'y.j2',
      code: '<respond/>\n',
      with: { 'y.yaml': 'name: [y\n' },
      errors: [{ line: 1, column: 1, severity: 'error', message: /y\.yaml cannot be read/ }],
    },
  ],
});
