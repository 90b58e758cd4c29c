import { join } from 'node:path';
import { PolicyTester } from '@synapse-ai/sdk';
import summarize, { truncate } from '..';
import { useTestLlm } from '../../__tests__/harness';

const fixtures = PolicyTester.loadFixtures(join(__dirname, '../fixtures'));
const long =
  'The order was packed on Monday and handed to the carrier on Tuesday morning; delivery is expected on Thursday before noon.';
const rsp = { flow: 'response' as const };

PolicyTester.run(summarize, {
  valid: [
    ...fixtures.valid,
    { name: 'short fields are left alone', body: { a: 'short', n: 1 }, context: rsp, decision: 'allow' },
    {
      name: 'every long string by default, keys untouched',
      options: { maxChars: 30, marker: ' [...]' },
      body: { [long]: long },
      context: rsp,
      output: { [long]: 'The order was packed on [...]' },
    },
    {
      name: 'text bodies',
      options: { maxChars: 30 },
      body: long,
      contentType: 'text/plain',
      context: rsp,
      output: 'The order was packed on…',
    },
  ],
  invalid: [...fixtures.invalid],
});

describe('truncate', () => {
  it('cuts at a word boundary, drops trailing punctuation and adds the marker', () => {
    expect(truncate('one two three, four', 12, '…')).toBe('one two…');
    expect(truncate('short', 12, '…')).toBe('short');
    expect(truncate('x'.repeat(50), 10, '…')).toBe(`${'x'.repeat(9)}…`);
  });
  it('never splits a surrogate pair', () => {
    const out = truncate(`${'a'.repeat(8)}😀😀😀`, 10, '…');
    expect(out).toBe(`${'a'.repeat(8)}…`);
  });
});

describe('summarize with a model', () => {
  const test = useTestLlm();
  const server = test.server;
  const options = { maxChars: 60, useModel: true };

  it('uses summaries that fit, and truncates where the model overshoots', async () => {
    server.enqueue({
      kind: 'reply',
      content: JSON.stringify({
        summaries: [
          { id: 0, summary: 'Shipped Tuesday, arrives Thursday before noon.' },
          { id: 1, summary: 'x'.repeat(200) },
        ],
      }),
    });
    await PolicyTester.runValid(
      summarize,
      {
        name: 'model',
        options,
        body: { a: long, b: long.toUpperCase() },
        context: rsp,
        output: {
          a: 'Shipped Tuesday, arrives Thursday before noon.',
          b: 'THE ORDER WAS PACKED ON MONDAY AND HANDED TO THE CARRIER ON…',
        },
        notes: ['summarize=model for 1 of 2 fields, truncated the rest'],
      },
      { llm: test.llm() },
    );
  });

  it('truncates everything when the model answers garbage', async () => {
    server.enqueue({ kind: 'reply', content: 'sure' }, { kind: 'reply', content: '{"summaries":"no"}' });
    await PolicyTester.runValid(
      summarize,
      { name: 'garbage', options, body: { a: long }, context: rsp, notes: [/^summarize=truncated \(/] },
      { llm: test.llm() },
    );
  });

  it('without an LLM, truncates and says why', async () => {
    await PolicyTester.runValid(summarize, {
      name: 'no llm',
      options,
      body: { a: long },
      context: rsp,
      notes: ['summarize=truncated (no LLM configured)'],
    });
  });
});
