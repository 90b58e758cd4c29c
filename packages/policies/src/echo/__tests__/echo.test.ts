import { join } from 'node:path';
import { PolicyTester } from '@synapse-ai/sdk';
import echo from '..';

const fixtures = PolicyTester.loadFixtures(join(__dirname, '../fixtures'));

PolicyTester.run(echo, {
  valid: [
    ...fixtures.valid,
    {
      name: 'text in every flow',
      body: 'plain text',
      contentType: 'text/plain',
      context: { flow: 'fault' },
      output: 'plain text',
    },
    { name: 'empty body', output: '', decision: 'allow' },
  ],
  invalid: [
    ...fixtures.invalid,
    { name: 'options are refused', options: { x: 1 }, body: {}, error: { code: 'SAI_ERR_INVALID_OPTIONS' } },
    {
      name: 'binary is refused',
      body: 'x',
      contentType: 'application/octet-stream',
      error: { code: 'SAI_ERR_UNSUPPORTED_MEDIA_TYPE' },
    },
  ],
});
