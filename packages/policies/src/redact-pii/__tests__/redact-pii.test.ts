import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { PolicyTester } from '@synapse-ai/sdk';
import redactPii from '..';

const fixtures = PolicyTester.loadFixtures(join(__dirname, '../fixtures'));
const many = JSON.stringify({ items: Array.from({ length: 20000 }, (_, i) => `user${i}@example.com`) });

process.env.SAI_TEST_HASH_KEY = 'hash-key-0123456789abcdef';

PolicyTester.run(redactPii, {
  valid: [
    ...fixtures.valid,
    {
      name: 'nothing found: allow, unchanged bytes',
      body: '{ "sku": "A-1",  "qty": 2 }',
      contentType: 'application/json',
      output: '{ "sku": "A-1",  "qty": 2 }',
      decision: 'allow',
      expectHeaders: { 'X-Redaction-Summary': '' },
    },
    { name: 'text bodies', body: 'mail ada@example.com', contentType: 'text/plain', output: 'mail <EMAIL>' },
    {
      name: 'operators, rules and a custom detector',
      options: {
        operators: {
          EMAIL: { op: 'mask', keepLast: 4 },
          EMPLOYEE_ID: { op: 'hash' },
          '*': { op: 'replace', label: '[x]' },
        },
        hashKeyEnv: 'SAI_TEST_HASH_KEY',
        rules: [{ path: '$.internal', action: 'never' }],
        custom: [{ type: 'EMPLOYEE_ID', pattern: 'EMP-\\d{6}' }],
      },
      body: { email: 'ada@example.com', emp: 'EMP-123456', internal: 'ops@example.com', ip: '10.1.2.3' },
      output: {
        email: '***@******e.com',
        emp: `<EMPLOYEE_ID:${createHmac('sha256', 'hash-key-0123456789abcdef').update('EMPLOYEE_ID\u0000EMP-123456').digest('hex').slice(0, 16)}>`,
        internal: 'ops@example.com',
        ip: '[x]',
      },
    },
    {
      name: 'fail open passes the message on when detection runs out of time',
      options: { timeoutMs: 1, failOpen: true },
      body: many,
      contentType: 'application/json',
      decision: 'allow',
      expectHeaders: { 'X-Redaction-Summary': 'error' },
    },
  ],
  invalid: [
    ...fixtures.invalid,
    {
      name: 'fails closed when detection runs out of time',
      options: { timeoutMs: 1 },
      body: many,
      contentType: 'application/json; charset=utf-8',
      error: { code: 'SAI_ERR_REDACTION_FAILED', status: 503, message: 'could not be checked for personal data' },
    },
    {
      name: 'hash without its key set',
      options: { operators: { '*': { op: 'hash' } }, hashKeyEnv: 'SAI_NOT_SET_ANYWHERE' },
      body: { email: 'ada@example.com' },
      error: { code: 'SAI_ERR_INVALID_OPTIONS' },
    },
    {
      name: 'pseudonyms without a vault secret',
      options: { operators: { '*': { op: 'pseudonymize' } }, vaultSecretEnv: 'SAI_NOT_SET_EITHER' },
      body: { email: 'bob@example.com' },
      error: { code: 'SAI_ERR_INVALID_OPTIONS' },
    },
    {
      name: 'a custom pattern that does not compile',
      options: { custom: [{ type: 'X', pattern: '([' }] },
      body: { a: 'b' },
      error: { code: 'SAI_ERR_INVALID_OPTIONS' },
    },
  ],
});
