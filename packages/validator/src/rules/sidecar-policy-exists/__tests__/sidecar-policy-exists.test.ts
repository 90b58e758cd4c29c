import { rule } from '..';
import { seq, testRule } from '../../../__tests__/ruleTester';

const served = { sidecarPolicies: new Set(['redact-pii', 'orders-in']) };

testRule(rule, {
  valid: [
    {
      name: 'a served policy',
      code: seq('<property name="u" value="http://s:8088/v1/policies/redact-pii"/>'),
      options: served,
    },
    {
      name: 'without a catalogue nothing is checked',
      code: seq('<property name="u" value="http://s:8088/v1/policies/anything"/>'),
    },
  ],
  invalid: [
    {
      name: 'a typo',
      code: seq('<property name="u" value="http://s:8088/v1/policies/redact-pi"/>'),
      options: served,
      errors: [{ line: 2, column: 24, message: 'The sidecar serves no policy or pipeline named "redact-pi".' }],
    },
  ],
});
