import { rule } from '..';
import { seq, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    { name: 'class with name', code: seq('<class name="org.example.M"/>') },
    { name: 'event with an expression instead of a topic', code: seq('<event expression="$ctx:topic"/>') },
    {
      name: 'scatter-gather with the newer content-type',
      code: seq(
        '<scatter-gather parallel-execution="true" content-type="JSON" result-target="body"><aggregation expression="$ctx:x"/><sequence><drop/></sequence></scatter-gather>',
      ),
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
      name: 'api without context is a warning',
      code: '<api xmlns="http://ws.apache.org/ns/synapse" name="a">\n<resource methods="GET"><inSequence><respond/></inSequence></resource></api>',
      errors: [{ line: 1, column: 1, severity: 'warning' }],
    },
  ],
});
