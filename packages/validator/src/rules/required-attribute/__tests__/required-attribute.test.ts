import { rule } from '..';
import { seq, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    { name: 'class with name', code: seq('<class name="org.example.M"/>') },
    { name: 'event with an expression instead of a topic', code: seq('<event expression="$ctx:topic"/>') },
    {
      name: 'a proxy without transports, publishWSDL without preservePolicy, an in-memory message store (Synapse builds them)',
      code: '<proxy xmlns="http://ws.apache.org/ns/synapse" name="p">\n<target><inSequence><respond/></inSequence></target><publishWSDL key="w"/></proxy>',
    },
  ],
  invalid: [
    {
      name: 'sequence without name',
      code: '<sequence xmlns="http://ws.apache.org/ns/synapse">\n    <drop/>\n</sequence>',
      errors: [{ line: 1, column: 1, message: '<sequence> needs the attribute name.' }],
    },
    {
      name: 'class without name',
      code: seq('<class><property name="a" value="b"/></class>'),
      errors: [{ line: 2, column: 5, message: /<class> needs the attribute name/ }],
    },
    {
      name: 'api without context (the engine: "Attribute \'context\' is required for an API definition")',
      code: '<api xmlns="http://ws.apache.org/ns/synapse" name="a">\n<resource methods="GET"><inSequence><respond/></inSequence></resource></api>',
      errors: [{ line: 1, column: 1 }],
    },
    {
      name: 'scatter-gather with content-type only (the engine wants result-content-type)',
      code: seq(
        '<scatter-gather parallel-execution="true" content-type="JSON" result-target="body"><aggregation expression="$ctx:x"/><sequence><drop/></sequence></scatter-gather>',
      ),
      errors: [{ line: 2, column: 5, message: /result-content-type/ }],
    },
  ],
});
