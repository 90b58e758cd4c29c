import { rule } from '..';
import { SPEC, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    {
      name: 'declared and used',
      file: 'a.j2',
      code: '<property name="{{ headerName }}" value="{{headerValue}}" scope="transport"/>\n',
      with: { 'a.json': SPEC('a', ['headerName', 'headerValue']) },
    },
    {
      name: 'used in a Jinja condition',
      file: 'b.j2',
      code: '{% if accessKey %}\n<property name="k" value="1"/>\n{% endif %}\n',
      with: { 'b.json': SPEC('b', ['accessKey']) },
    },
    {
      name: 'YAML envelope',
      file: 'c.j2',
      code: '<drop description="{{d}}"/>\n',
      with: {
        'c.yaml': 'type: operation_policy_specification\ndata:\n  name: c\n  policyAttributes:\n    - name: d\n',
      },
    },
  ],
  invalid: [
    {
      name: 'undeclared',
      file: 'u.j2',
      code: '<drop/>\n<property name="a" value="{{missing}}"/>\n',
      with: { 'u.json': SPEC('u') },
      errors: [{ line: 2, column: 27, message: /\{\{missing\}\} is not declared in u\.json/ }],
    },
    {
      name: 'declared but unused is a warning',
      file: 'w.j2',
      code: '<drop/>\n',
      with: { 'w.json': SPEC('w', ['unused']) },
      errors: [{ line: 1, column: 1, severity: 'warning', message: /unused/ }],
    },
  ],
});
