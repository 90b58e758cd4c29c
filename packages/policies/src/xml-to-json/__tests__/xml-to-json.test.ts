import { join } from 'node:path';
import { PolicyTester } from '@synapse-ai/sdk';
import xmlToJson from '..';

const fixtures = PolicyTester.loadFixtures(join(__dirname, '../fixtures'));

PolicyTester.run(xmlToJson, {
  valid: [
    ...fixtures.valid,
    {
      name: 'duplicate keys without auto-array are kept as WSO2 writes them',
      options: { 'synapse.commons.json.output.jsonoutAutoArray': 'false' },
      body: '<r><a>1</a><a>2</a></r>',
      contentType: 'application/xml',
      output: '{"r":{"a":1,"a":2}}',
    },
    {
      name: 'namespaces kept with a custom separator',
      options: {
        'synapse.commons.json.preserve.namespace': 'true',
        'synapse.commons.json.output.enableNSDeclarations': 'true',
        'synapse.commons.json.output.namespaceSepChar': '^',
      },
      body: "<ns:stock xmlns:ns='http://services.samples'><ns:name>WSO2</ns:name></ns:stock>",
      contentType: 'application/xml',
      output: '{"ns^stock":{"@xmlns^ns":"http://services.samples","ns^name":"WSO2"}}',
    },
    {
      name: 'an empty <jsonValue/> gives the empty body WSO2 writes for it (not a 500)',
      body: '<jsonValue/>',
      contentType: 'application/xml',
      output: '',
      outputContentType: 'application/json',
    },
  ],
  invalid: [
    ...fixtures.invalid,
    { name: 'json is refused', body: { a: 1 }, error: { code: 'SAI_ERR_UNSUPPORTED_MEDIA_TYPE' } },
    {
      name: 'a DOCTYPE is refused before the policy runs',
      body: '<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>',
      contentType: 'application/xml',
      error: { code: 'SAI_ERR_MALFORMED_XML', message: 'DOCTYPE' },
    },
    {
      name: 'a regex property that does not compile',
      options: { 'synapse.commons.json.output.disableAutoPrimitive.regex': '([' },
      body: '<a>1</a>',
      contentType: 'application/xml',
      error: { code: 'SAI_ERR_INVALID_OPTIONS' },
    },
  ],
});
