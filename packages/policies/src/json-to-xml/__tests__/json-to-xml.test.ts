import { join } from 'node:path';
import { PolicyTester } from '@synapse-ai/sdk';
import jsonToXml from '..';

const fixtures = PolicyTester.loadFixtures(join(__dirname, '../fixtures'));

PolicyTester.run(jsonToXml, {
  valid: [
    ...fixtures.valid,
    {
      name: 'buildValidNCNames by its MI alias, booleans accepted',
      options: { 'synapse.build_valid_nc_name': true },
      body: '{"first name":"Ada","n":1.0E10}',
      contentType: 'application/json',
      output: '<jsonObject><first_JsonReader_32_name>Ada</first_JsonReader_32_name><n>1.0E10</n></jsonObject>',
    },
    {
      name: 'a top-level array, with duplicate keys kept',
      body: '[{"a":1,"a":2}]',
      contentType: 'application/json',
      output: '<jsonArray><jsonElement><a>1</a><a>2</a></jsonElement></jsonArray>',
    },
  ],
  invalid: [
    ...fixtures.invalid,
    {
      name: 'xml is refused',
      body: '<a/>',
      contentType: 'application/xml',
      error: { code: 'SAI_ERR_UNSUPPORTED_MEDIA_TYPE' },
    },
    {
      name: '$ with an object',
      body: { a: { $: { b: 1 } } },
      error: { code: 'SAI_ERR_INPUT_INVALID', message: 'The "$" key at line 1, column 7' },
    },
    {
      name: 'unknown property',
      options: { 'synapse.commons.json.nope': 'true' },
      body: { a: 1 },
      error: {
        code: 'SAI_ERR_INVALID_OPTIONS',
        message: 'options["synapse.commons.json.nope"] is not a known setting',
      },
    },
    {
      name: 'property value that is not a boolean',
      options: { 'synapse.commons.json.buildValidNCNames': 'yes' },
      body: { b: 1 },
      error: { code: 'SAI_ERR_INVALID_OPTIONS', message: 'must be one of "true", "false", true, false' },
    },
  ],
});
