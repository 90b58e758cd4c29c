import { rule } from '..';
import { seq, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    {
      name: 'then/else in filter',
      code: seq('<filter source="$ctx:a" regex="b"><then><drop/></then><else><drop/></else></filter>'),
    },
    {
      name: 'payload format content in another namespace',
      code: seq(
        '<payloadFactory media-type="xml"><format><m:a xmlns:m="urn:m">$1</m:a></format><args><arg expression="$ctx:x"/></args></payloadFactory>',
      ),
    },
    {
      name: 'case order differs from the schema',
      code: seq('<switch source="$ctx:a"><default><drop/></default><case regex="x"><drop/></case></switch>'),
    },
  ],
  invalid: [
    {
      name: 'then inside log',
      code: seq('<log level="custom"><then/></log>'),
      errors: [{ line: 2, column: 25, message: '<then> is not read inside <log>: Synapse skips it.' }],
    },
    {
      name: 'args inside enrich',
      code: seq('<enrich><source type="body"/><target type="body"/><args/></enrich>'),
      errors: [{ line: 2, column: 55, message: /<args>/ }],
    },
  ],
});
