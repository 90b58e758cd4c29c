import { rule } from '..';
import { seq, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    {
      name: 'identifiers only',
      code: seq('<log level="custom"><property name="api" expression="$ctx:SYNAPSE_REST_API"/></log>'),
    },
  ],
  invalid: [
    {
      name: 'level full',
      code: seq('<log level="full"/>'),
      errors: [{ line: 2, column: 10, message: /writes the whole payload/ }],
    },
    {
      name: 'logFullPayload',
      code: seq('<log level="custom" logFullPayload="true"/>'),
      errors: [{ line: 2, column: 25 }],
    },
    {
      name: 'a property holding the body',
      code: seq('<log level="custom"><property name="b" expression="$body"/></log>'),
      errors: [{ line: 2, column: 44, message: /writes the payload/ }],
    },
  ],
});
