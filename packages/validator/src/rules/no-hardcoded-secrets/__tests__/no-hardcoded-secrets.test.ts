import { rule } from '..';
import { seq, SPEC, testRule } from '../../../__tests__/ruleTester';

testRule(rule, {
  valid: [
    {
      name: 'vault lookup',
      code: seq(
        '<property name="Authorization" scope="transport" expression="fn:concat(\'Bearer \', wso2:vault-lookup(\'t\'))"/>',
      ),
    },
    {
      name: 'vault in parameter text',
      code: '<localEntry xmlns="http://ws.apache.org/ns/synapse" key="k"><password>{wso2:vault-lookup(\'db\')}</password></localEntry>',
    },
    {
      name: 'Secret attribute in a policy',
      file: 'a.j2',
      code: '<property name="Authorization" scope="transport" value="Bearer {{token}}"/>\n',
      with: { 'a.json': SPEC('a', ['token']) },
    },
    { name: 'environment', code: seq('<property name="apiKey" value="$SYSTEM:API_KEY"/>') },
  ],
  invalid: [
    {
      name: 'bearer token',
      code: seq('<header name="Authorization" scope="transport" value="Bearer abcdef123456.xyz"/>'),
      errors: [{ line: 2, column: 52, message: /a bearer token written in clear/ }],
    },
    {
      name: 'AWS key anywhere',
      code: seq('<property name="cfg" value="AKIAIOSFODNN7EXAMPLE"/>'),
      errors: [{ line: 2, column: 26, message: /an AWS access key/ }],
    },
    {
      name: 'password literal is a warning',
      code: seq('<property name="password" value="s3cret!"/>'),
      errors: [{ line: 2, column: 31, severity: 'warning', message: /password is given a literal value/ }],
    },
    {
      name: 'password element text is a warning',
      code: seq('<dblookup><connection><pool><password>root</password></pool></connection></dblookup>'),
      errors: [{ line: 2, column: 33, severity: 'warning' }],
    },
  ],
});
