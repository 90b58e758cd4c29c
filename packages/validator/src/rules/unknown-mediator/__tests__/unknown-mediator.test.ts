import { rule } from '..';
import { seq, SPEC, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    { name: 'core mediators', code: seq('<log level="custom"/>\n<property name="a" value="b"/>\n<respond/>') },
    {
      name: 'MI 4.4 mediators',
      code: seq('<variable name="v" value="1" type="STRING"/>\n<throwError type="E" errorMessage="m"/>'),
    },
    {
      name: 'API Manager opa in a policy',
      file: 'opa.j2',
      code: '<opa><serverUrl>{{u}}</serverUrl></opa>\n',
      with: { 'opa.json': SPEC('opa', ['u']) },
    },
  ],
  invalid: [
    {
      name: 'an invented mediator',
      code: seq('<redact fields="ssn"/>'),
      errors: [{ line: 2, column: 5, message: '<redact> is not a mediator.' }],
    },
    {
      name: 'a misspelling inside filter',
      code: seq('<filter source="$ctx:a" regex="b">\n    <then><dorp/></then>\n</filter>'),
      errors: [{ line: 3, column: 15, message: /<dorp>/ }],
    },
    {
      name: 'a connector operation is a warning',
      code: seq('<http.get configKey="c"/>'),
      errors: [{ line: 2, column: 5, severity: 'warning', message: /connector operation/ }],
    },
  ],
});
