import { rule } from '..';
import { seq, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    { name: 'sequence in the Synapse namespace', code: seq('<drop/>') },
    {
      name: 'prefixed Synapse namespace',
      code: '<syn:sequence xmlns:syn="http://ws.apache.org/ns/synapse" name="s"><syn:drop/></syn:sequence>',
    },
    {
      name: 'a file that is not a Synapse artefact is left alone',
      code: '<project xmlns="http://maven.apache.org/POM/4.0.0"/>',
    },
  ],
  invalid: [
    {
      name: 'no namespace',
      code: '<sequence name="s">\n  <drop/>\n</sequence>',
      errors: [{ line: 1, column: 1, message: /no namespace/ }],
    },
    {
      name: 'another namespace',
      code: '<api xmlns="http://example.com" name="a" context="/a"/>',
      errors: [{ line: 1, column: 1, message: /http:\/\/example\.com/ }],
    },
  ],
});
