import { join } from 'node:path';
import { PolicyTester } from '@synapse-ai/sdk';
import validateOutput from '..';
import { useTestLlm } from '../../__tests__/harness';

const fixtures = PolicyTester.loadFixtures(join(__dirname, '../fixtures'));
const schema = {
  type: 'object',
  required: ['answer', 'sources'],
  properties: { answer: { type: 'string', maxLength: 200 }, sources: { type: 'array', items: { type: 'string' } } },
  additionalProperties: false,
};

PolicyTester.run(validateOutput, {
  valid: [
    ...fixtures.valid,
    {
      name: 'JSON sent as text/plain',
      options: { schema },
      body: '{"answer":"a","sources":[]}',
      contentType: 'text/plain',
      decision: 'allow',
    },
    { name: 'without a schema, any JSON passes', body: [1, 'two', null], decision: 'allow' },
  ],
  invalid: [
    ...fixtures.invalid,
    {
      name: 'wrong type, custom status',
      options: { schema, status: 500 },
      body: { answer: 1, sources: [] },
      error: { code: 'SAI_ERR_OUTPUT_INVALID', status: 500 },
    },
    {
      name: 'not JSON at all',
      options: { schema },
      body: 'Sure! Here is your answer.',
      contentType: 'text/plain',
      error: { code: 'SAI_ERR_OUTPUT_INVALID' },
    },
    {
      name: 'repair without an LLM blocks',
      options: { schema, onFailure: 'repair' },
      body: { answer: 'x' },
      error: { code: 'SAI_ERR_OUTPUT_INVALID' },
    },
    {
      name: 'without a schema, only JSON passes',
      options: {},
      body: 'plain words',
      contentType: 'text/plain',
      error: { code: 'SAI_ERR_OUTPUT_INVALID' },
    },
    {
      name: 'a schema that is not JSON Schema',
      options: { schema: { type: 'banana' } },
      body: {},
      error: { code: 'SAI_ERR_INVALID_OPTIONS' },
    },
  ],
});

describe('validate-output repair through the model', () => {
  const test = useTestLlm();
  const server = test.server;
  const options = { schema, onFailure: 'repair' };

  it('repairs once and checks the repair', async () => {
    server.enqueue({ kind: 'reply', content: '{"answer":"Ships tomorrow","sources":["faq"]}' });
    await PolicyTester.runValid(
      validateOutput,
      {
        name: 'repaired',
        options,
        body: { answer: 'Ships tomorrow', source: 'faq' },
        output: { answer: 'Ships tomorrow', sources: ['faq'] },
        notes: ['validate-output=repaired by model'],
      },
      { llm: test.llm() },
    );
    const sent = JSON.parse(
      (server.requests.at(-1)!.body as { messages: Array<{ content: string }> }).messages[1]!.content,
    ) as { problems: string[]; input: string };
    expect(sent.input).toBe('{"answer":"Ships tomorrow","source":"faq"}');
    expect(sent.problems.join(' ')).toMatch(/sources/);
  });

  it('blocks when the model answers garbage', async () => {
    server.enqueue({ kind: 'reply', content: 'I fixed it!' }, { kind: 'reply', content: '{"answer":5}' });
    await PolicyTester.runInvalid(
      validateOutput,
      { name: 'garbage', options, body: { answer: 'x' }, error: { code: 'SAI_ERR_OUTPUT_INVALID', status: 502 } },
      { llm: test.llm() },
    );
  });

  it('blocks when the model is down', async () => {
    server.enqueue({ kind: 'status', status: 503 });
    await PolicyTester.runInvalid(
      validateOutput,
      { name: 'down', options, body: { answer: 'x' }, error: { code: 'SAI_ERR_OUTPUT_INVALID' } },
      { llm: test.llm() },
    );
  });
});
