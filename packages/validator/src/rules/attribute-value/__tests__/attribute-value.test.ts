import { rule } from '..';
import { seq, SPEC, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    {
      name: 'allowed values',
      code: seq(
        '<log level="custom" category="ERROR"/>\n<payloadFactory media-type="json"><format>{}</format><args/></payloadFactory>',
      ),
    },
    {
      name: 'dynamic and placeholder values are not checked',
      file: 'p.j2',
      code: '<log level="{{level}}"/>\n',
      with: { 'p.json': SPEC('p', ['level']) },
    },
  ],
  invalid: [
    {
      name: 'bad media type',
      code: seq('<payloadFactory media-type="jsn"><format>{}</format><args/></payloadFactory>'),
      // Synapse builds it (falls back to XML): a warning
      errors: [
        {
          line: 2,
          column: 21,
          message: /media-type="jsn" is not allowed on <payloadFactory> \(Synapse deploys it/,
          severity: 'warning',
        },
      ],
    },
    {
      name: 'wrong case',
      code: seq('<log level="CUSTOM"/>'),
      errors: [{ line: 2, column: 10, message: /level="CUSTOM"/ }],
    },
    {
      name: 'call blocking not boolean',
      code: seq('<call blocking="yes"><endpoint key="e"/></call>'),
      errors: [{ line: 2, column: 11, severity: 'warning' }],
    },
    {
      name: 'a log level Synapse refuses',
      code: seq('<log level="verbose"/>'),
      errors: [{ line: 2, column: 10, message: /level="verbose" is not allowed on <log>\.$/ }],
    },
  ],
});
