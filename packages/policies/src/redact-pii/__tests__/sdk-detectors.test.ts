import { defineDetector } from '@synapse-ai/redact';
import { PolicyTester } from '@synapse-ai/sdk';
import { redactPiiWith } from '..';

const employeeId = defineDetector({
  type: 'EMPLOYEE_ID',
  pattern: 'EMP-\\d{6}',
  validator: (m) => m !== 'EMP-000000',
  context: ['employee', 'staff'],
});
const redactHr = redactPiiWith([employeeId], { name: 'redact-hr' });

PolicyTester.run(redactHr, {
  valid: [
    {
      name: 'a detector written in TypeScript, with its validator and context words',
      body: { note: 'employee EMP-123456 reported; placeholder employee EMP-000000', ticket: 'EMP-654321' },
      output: { note: 'employee <EMPLOYEE_ID> reported; placeholder employee EMP-000000', ticket: 'EMP-654321' },
    },
    {
      name: 'configured detectors add to it',
      options: { custom: [{ type: 'BADGE', pattern: 'B\\d{4}' }] },
      body: { note: 'staff EMP-111111 badge B1234' },
      output: { note: 'staff <EMPLOYEE_ID> badge <BADGE>' },
    },
  ],
  invalid: [],
});

describe('defineDetector', () => {
  it('fails at definition time, naming the problem', () => {
    expect(() => defineDetector({ type: 'x', pattern: 'a' })).toThrow(/UPPER_SNAKE_CASE/);
    expect(() => defineDetector({ type: 'X', pattern: '([' })).toThrow(/does not compile/);
    expect(() => defineDetector({ type: 'X', pattern: 'a*' })).toThrow(/matches the empty string/);
  });
  it('names the policy as asked', () => {
    expect(redactHr.meta.name).toBe('redact-hr');
  });
});
