import { join } from 'node:path';
import { PolicyTester } from '@synapse-ai/sdk';
import restorePii from '..';

process.env.SAI_PII_VAULT_SECRET ??= 'test-vault-secret-0123456789';
const fixtures = PolicyTester.loadFixtures(join(__dirname, '../fixtures'));

PolicyTester.run(restorePii, {
  valid: [
    ...fixtures.valid,
    {
      name: 'unknown tokens stay as they are',
      body: { answer: 'hello <EMAIL_7>' },
      context: { flow: 'response' },
      output: { answer: 'hello <EMAIL_7>' },
      expectHeaders: { 'X-Pseudonyms-Restored': '0' },
    },
  ],
  invalid: [
    ...fixtures.invalid,
    {
      name: 'no vault secret',
      options: { vaultSecretEnv: 'SAI_UNSET_SECRET' },
      body: { answer: '<EMAIL_1>' },
      context: { flow: 'response' },
      error: { code: 'SAI_ERR_INVALID_OPTIONS' },
    },
  ],
});
