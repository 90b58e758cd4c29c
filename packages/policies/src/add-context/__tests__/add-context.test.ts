import { join } from 'node:path';
import { PolicyTester } from '@synapse-ai/sdk';
import addContext from '..';

const fixtures = PolicyTester.loadFixtures(join(__dirname, '../fixtures'));

PolicyTester.run(addContext, {
  valid: [
    ...fixtures.valid,
    {
      name: 'custom key and fields; absent headers left out',
      options: { key: 'ctx', fields: ['tenantId', 'consumerKey'] },
      body: { a: 1 },
      context: { tenantId: 't1' },
      output: { a: 1, ctx: { tenantId: 't1' } },
    },
    {
      name: 'header values stay strings, never JSON structure',
      body: {},
      context: { tenantId: '{"admin":true}', correlationId: 'x' },
      options: { fields: ['tenantId'] },
      output: { gateway: { tenantId: '{"admin":true}' } },
    },
    {
      name: 'overwrite false keeps an existing member',
      options: { overwrite: false },
      body: { gateway: 'mine' },
      output: { gateway: 'mine' },
      decision: 'allow',
    },
    {
      name: 'key __proto__ is plain data',
      options: { key: '__proto__', fields: ['flow'] },
      body: { a: 1 },
      output: '{"a":1,"__proto__":{"flow":"request"}}',
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
    { name: 'not in fault flow', body: {}, context: { flow: 'fault' }, error: { code: 'SAI_ERR_FLOW_NOT_SUPPORTED' } },
    {
      name: 'unknown field option',
      options: { fields: ['password'] },
      body: { b: 1 },
      error: { code: 'SAI_ERR_INVALID_OPTIONS', message: 'options.fields[0] must be one of' },
    },
    {
      name: 'empty key',
      options: { key: '' },
      body: { c: 1 },
      error: { code: 'SAI_ERR_INVALID_OPTIONS', message: 'options.key must NOT have fewer than 1 characters' },
    },
  ],
});
