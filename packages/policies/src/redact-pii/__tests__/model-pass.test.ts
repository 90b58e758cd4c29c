import { PolicyTester } from '@synapse-ai/sdk';
import redactPii from '..';
import { useTestLlm } from '../../__tests__/harness';

const test = useTestLlm();
const server = test.server;

const ticket = 'Customer Grace Hopper called from 1 Navy Way, Arlington about order 42; mail grace@example.com';
const options = { modelPass: { enabled: true } };

describe('redact-pii model pass', () => {
  it('redacts names and addresses the model finds in free text, as literal strings only', async () => {
    server.enqueue({
      kind: 'reply',
      content: JSON.stringify({
        entities: [
          { type: 'PERSON', text: 'Grace Hopper' },
          { type: 'ADDRESS', text: '1 Navy Way, Arlington' },
          { type: 'PERSON', text: 'Somebody Not In The Text' },
          { type: 'PERSON', text: '.*' },
        ],
      }),
    });
    await PolicyTester.runValid(
      redactPii,
      {
        name: 'model',
        options,
        body: ticket,
        contentType: 'text/plain',
        output: 'Customer <PERSON> called from <ADDRESS> about order 42; mail <EMAIL>',
        expectHeaders: { 'X-Redaction-Model': 'used' },
      },
      { llm: test.llm() },
    );
    const sent = server.requests[0]!.body as { messages: { content: string }[]; response_format: { type: string } };
    expect(sent.response_format.type).toBe('json_schema');
    // the model sees the message only after the deterministic pass
    expect(sent.messages[1]!.content).toBe(
      'Customer Grace Hopper called from 1 Navy Way, Arlington about order 42; mail <EMAIL>',
    );
  });

  it('keeps the deterministic result when the model answers garbage twice', async () => {
    server.enqueue({ kind: 'reply', content: 'I cannot help' }, { kind: 'reply', content: '{"entities":"nope"}' });
    await PolicyTester.runValid(
      redactPii,
      {
        name: 'garbage',
        options,
        body: ticket,
        contentType: 'text/plain',
        output: 'Customer Grace Hopper called from 1 Navy Way, Arlington about order 42; mail <EMAIL>',
        expectHeaders: { 'X-Redaction-Model': 'failed' },
      },
      { llm: test.llm() },
    );
  });

  it('says the model pass was skipped when no LLM is configured', async () => {
    await PolicyTester.runValid(redactPii, {
      name: 'no llm',
      options,
      body: ticket,
      contentType: 'text/plain',
      expectHeaders: { 'X-Redaction-Model': 'skipped' },
    });
  });
});
