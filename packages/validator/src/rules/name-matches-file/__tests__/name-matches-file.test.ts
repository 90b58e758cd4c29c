import { rule } from '..';
import { seq, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    { name: 'same name', file: 'sequences/Orders.xml', code: seq('<drop/>', 'name="Orders"') },
    {
      name: 'versioned file name',
      file: 'apis/Orders_v1.0.0.xml',
      code: '<api xmlns="http://ws.apache.org/ns/synapse" name="Orders" context="/o"/>',
    },
    {
      name: 'local entry key',
      file: 'local-entries/Cfg.xml',
      code: '<localEntry xmlns="http://ws.apache.org/ns/synapse" key="Cfg">1</localEntry>',
    },
  ],
  invalid: [
    {
      name: 'different name',
      file: 'sequences/Order.xml',
      code: seq('<drop/>', 'name="Orders"'),
      errors: [{ line: 1, column: 51, message: /named "Orders" but its file is Order\.xml/ }],
    },
  ],
});
