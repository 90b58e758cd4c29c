import { join } from 'node:path';
import { PolicyTester } from '@synapse-ai/sdk';
import explainFault, { isSafeMessage, readFault } from '..';
import { useTestLlm } from '../../__tests__/harness';

const fixtures = PolicyTester.loadFixtures(join(__dirname, '../fixtures'));
const ctx = { flow: 'fault' as const, correlationId: 'c-9' };
const err = (status: number, title: string, message: string, retryable: boolean, code?: string) => ({
  error: { status, title, message, retryable, ...(code ? { code } : {}), correlationId: 'c-9' },
});

PolicyTester.run(explainFault, {
  valid: [
    ...fixtures.valid,
    {
      name: 'API Manager XML fault with an auth code',
      body: '<am:fault xmlns:am="http://wso2.org/apimanager"><am:code>900901</am:code><am:message>Invalid Credentials</am:message><am:description>Access failure for API: /orders, version: v1 status: (900901) - Invalid Credentials</am:description></am:fault>',
      contentType: 'application/xml',
      context: ctx,
      output: err(
        401,
        'Invalid credentials',
        'Your credentials are not valid. Sign in again or check your API key.',
        false,
        '900901',
      ),
      notes: ['explain-fault=template'],
    },
    {
      name: 'status and code from the gateway headers, empty body',
      headers: { 'x-error-code': '303001', 'x-http-status': '503' },
      context: ctx,
      output: err(
        503,
        'Service unavailable',
        'The service is temporarily unavailable. Please try again later.',
        true,
        '303001',
      ),
    },
    {
      name: 'unknown code: by status',
      body: { ERROR_CODE: 'X1', ERROR_MESSAGE: 'NullPointerException at com.acme.Foo.bar(Foo.java:12)', status: 404 },
      context: ctx,
      output: err(404, 'Not found', 'No resource matches this request. Check the path and method.', false),
    },
    {
      name: 'nothing known: a generic message',
      body: 'java.lang.IllegalStateException: pool exhausted at db01.internal:5432',
      contentType: 'text/plain',
      context: ctx,
      output: err(500, 'Internal error', 'Something went wrong on our side. Please try again later.', true),
    },
    {
      name: 'own messages by code, with a support contact',
      options: {
        messages: { '101504': 'Orders are slow right now.' },
        supportContact: 'Help: support.example.com/status',
      },
      body: { code: 101504 },
      context: ctx,
      output: err(504, 'Timeout', 'Orders are slow right now. Help: support.example.com/status', true, '101504'),
      notes: ['explain-fault=configured message'],
    },
    {
      name: 'model wording without an LLM: the table',
      options: { useModel: true },
      body: { code: '900800' },
      context: ctx,
      notes: ['explain-fault=template (no LLM configured)'],
    },
  ],
  invalid: [
    ...fixtures.invalid,
    { name: 'unknown option', options: { verbose: true }, body: {}, error: { code: 'SAI_ERR_INVALID_OPTIONS' } },
  ],
});

describe('safety of client messages', () => {
  it.each([
    'Error at org.apache.synapse.Foo.bar(Foo.java:10)',
    'Connection to http://10.1.2.3:8080/x failed',
    'java.net.SocketTimeoutException: Read timed out',
    'backend db01.internal.corp:5432 is down',
    'see /opt/wso2/repository/logs/wso2carbon.log',
    'SELECT * FROM users WHERE id = 1',
  ])('refuses %s', (text) => expect(isSafeMessage(text)).toBe(false));

  it('accepts a plain sentence', () =>
    expect(isSafeMessage('The service is busy. Please try again in a minute.')).toBe(true));

  it('reads WSO2 fault shapes', () => {
    expect(readFault({ kind: 'json', value: { fault: { code: 900902, message: 'Missing Credentials' } } }, {})).toEqual(
      {
        code: '900902',
        message: 'Missing Credentials',
      },
    );
  });
});

describe('explain-fault with a model', () => {
  const test = useTestLlm();
  const server = test.server;
  const options = { useModel: true, language: 'de' };

  it('uses a safe wording, and sends the model nothing from the raw fault', async () => {
    server.enqueue({
      kind: 'reply',
      content: '{"message":"Der Dienst antwortet gerade zu langsam. Bitte versuchen Sie es erneut."}',
    });
    await PolicyTester.runValid(
      explainFault,
      {
        name: 'model',
        options,
        body: { code: '101504', description: 'timeout at http://10.0.0.5:8280/x' },
        context: ctx,
        output: err(
          504,
          'Timeout',
          'Der Dienst antwortet gerade zu langsam. Bitte versuchen Sie es erneut.',
          true,
          '101504',
        ),
        notes: ['explain-fault=model'],
      },
      { llm: test.llm() },
    );
    const sent = JSON.stringify(server.requests.at(-1)!.body);
    expect(sent).not.toContain('10.0.0.5');
    expect(sent).toContain('\\"de\\"');
  });

  it('falls back to the table when the model leaks internals', async () => {
    server.enqueue({ kind: 'reply', content: '{"message":"Timeout calling http://10.0.0.5:8280"}' });
    await PolicyTester.runValid(
      explainFault,
      {
        name: 'unsafe',
        options,
        body: { code: '101504' },
        context: ctx,
        output: err(504, 'Timeout', 'The service took too long to answer. Please try again.', true, '101504'),
        notes: ['explain-fault=template (model wording was unsafe)'],
      },
      { llm: test.llm() },
    );
  });

  it('falls back to the table when the model answers garbage', async () => {
    server.enqueue({ kind: 'reply', content: 'Sorry!' }, { kind: 'reply', content: '{"msg":1}' });
    await PolicyTester.runValid(
      explainFault,
      { name: 'garbage', options, body: { code: '101504' }, context: ctx, notes: [/^explain-fault=template \(/] },
      { llm: test.llm() },
    );
  });
});
