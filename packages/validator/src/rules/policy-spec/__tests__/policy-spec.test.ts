import { rule } from '..';
import { SPEC, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    { name: 'json spec', file: 'a.j2', code: '<drop/>\n', with: { 'a.json': SPEC('a') } },
    {
      name: 'yml spec',
      file: 'b.j2',
      code: '<drop/>\n<log level="custom"/>\n',
      with: {
        'b.yml':
          'name: b\nversion: v1\ndisplayName: B\ncategory: Security\napplicableFlows: [request, fault]\nsupportedGateways: [Synapse]\nsupportedApiTypes: [HTTP, {apiType: HTTP, subType: AIAPI}]\npolicyAttributes:\n  - {name: mode, type: Enum, allowedValues: [a, b], defaultValue: a}\n  - {name: n, type: Integer, validationRegex: "[0-9]+", defaultValue: "5"}\n',
      },
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
    {
      name: 'a specification API Manager does not take (category, flow, gateway, API type, attribute type)',
      file: 's.j2',
      code: '<drop/>\n<log/>\n',
      with: {
        's.json': JSON.stringify({
          name: 's',
          displayName: 'S',
          category: 'Logging',
          applicableFlows: ['in'],
          supportedGateways: ['ChoreoConnect'],
          supportedApiTypes: ['REST'],
          policyAttributes: [
            { name: 'a', type: 'Choice' },
            { name: 'b', type: 'Enum' },
            { name: 'c', type: 'Integer', defaultValue: 'x', validationRegex: '(' },
          ],
        }),
      },
      errors: [
        { line: 1, column: 1, severity: 'error', message: /category "Logging" is not one of Mediation, Security/ },
        { line: 1, column: 1, severity: 'error', message: /applicableFlows holds "in"/ },
        { line: 1, column: 1, severity: 'error', message: /does not list Synapse/ },
        { line: 1, column: 1, severity: 'error', message: /supportedApiTypes holds "REST"/ },
        { line: 1, column: 1, severity: 'error', message: /attribute "a" has type "Choice"/ },
        { line: 1, column: 1, severity: 'error', message: /attribute "b" is an Enum without allowedValues/ },
        { line: 1, column: 1, severity: 'error', message: /attribute "c": validationRegex does not compile/ },
        { line: 1, column: 1, severity: 'error', message: /attribute "c": defaultValue "x" is not an integer/ },
      ],
    },
    {
      name: 'a specification without the required fields',
      file: 'm.j2',
      code: '<respond/>\n<drop/>\n',
      with: { 'm.yml': 'version: v1\n' },
      errors: [
        { line: 1, column: 1, severity: 'error', message: /name is missing/ },
        { line: 1, column: 1, severity: 'error', message: /displayName is missing/ },
        { line: 1, column: 1, severity: 'error', message: /applicableFlows is missing/ },
        { line: 1, column: 1, severity: 'error', message: /supportedGateways is missing/ },
        { line: 1, column: 1, severity: 'error', message: /supportedApiTypes is missing/ },
      ],
    },
  ],
});
