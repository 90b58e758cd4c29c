import { PassThrough } from 'node:stream';
import request from 'supertest';
import { createLogger } from '../logger';
import { makeApp } from './helpers';

process.env.SAI_PII_VAULT_SECRET = 'sidecar-test-vault-secret-0123';

describe('PII through the sidecar', () => {
  const { app, logs } = makeApp({
    pipelines: {
      'chat-in': [{ policy: 'redact-pii', options: { operators: { '*': { op: 'pseudonymize' } } } }],
      'chat-out': [{ policy: 'restore-pii' }],
    },
  });
  const call = (route: string, body: string, flow: string, session: string) =>
    request(app)
      .post(`/v1/policies/${route}`)
      .set({ 'Content-Type': 'application/json', 'X-Flow': flow, 'X-Tenant-ID': 'acme', 'X-Session-ID': session })
      .send(body);

  it('pseudonymizes consistently across two requests and restores in the response', async () => {
    const first = await call(
      'chat-in',
      '{"prompt":"Email ada@example.com and call +44 20 7946 0958"}',
      'request',
      'conv-9',
    );
    expect(first.status).toBe(200);
    expect(first.text).toBe('{"prompt":"Email <EMAIL_1> and call <PHONE_1>"}');
    expect(first.headers['x-redaction-summary']).toBe('EMAIL=1,PHONE=1');
    const second = await call(
      'chat-in',
      '{"prompt":"Also cc ada@example.com and bob@example.com"}',
      'request',
      'conv-9',
    );
    expect(second.text).toBe('{"prompt":"Also cc <EMAIL_1> and <EMAIL_2>"}');
    const answer = JSON.stringify({
      reply: 'Done: wrote to <EMAIL_1>, <EMAIL_2>',
      tool: { arguments: '{"phone":"<PHONE_1>"}' },
    });
    const restored = await call('chat-out', answer, 'response', 'conv-9');
    expect(JSON.parse(restored.text)).toEqual({
      reply: 'Done: wrote to ada@example.com, bob@example.com',
      tool: { arguments: '{"phone":"+44 20 7946 0958"}' },
    });
    expect(restored.headers['x-pseudonyms-restored']).toBe('3');
    // another conversation cannot restore them
    const other = await call('chat-out', answer, 'response', 'conv-10');
    expect(JSON.parse(other.text).reply).toBe('Done: wrote to <EMAIL_1>, <EMAIL_2>');
  });

  it('keeps personal data out of its own logs', () => {
    const lines: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (c: Buffer) => lines.push(c.toString()));
    const logger = createLogger({ level: 'info', stream });
    logger.info('lookup failed for ada@example.com', {
      upstream: 'call +44 20 7946 0958',
      nested: { card: '4111 1111 1111 1111' },
      authorization: 'Bearer x',
    });
    const record = JSON.parse(lines.join('')) as Record<string, unknown>;
    expect(record).toMatchObject({
      message: 'lookup failed for <EMAIL>',
      upstream: 'call <PHONE>',
      nested: { card: '<CREDIT_CARD>' },
      authorization: '[REDACTED]',
      level: 'info',
    });
    expect(logs()).not.toMatch(/ada@example\.com/);
  });
});

describe('the redaction budget', () => {
  it('stops a long scan at timeoutMs and blocks the message (fail closed) instead of answering 200 late', async () => {
    const { app } = makeApp({
      pipelines: { strict: [{ policy: 'redact-pii', options: { timeoutMs: 100, defaultCountry: 'US' } }] },
      server: { bodyLimit: 4 * 1024 * 1024 },
    });
    // distinct phone-like digit runs after a phone word: every candidate goes to libphonenumber
    // (seconds of work; a repeated candidate would be asked once)
    const body = Array.from(
      { length: 70_000 },
      (_, i) => `call 1.2.3.${String(i).padStart(5, '0').split('').join('.')} or `,
    ).join('');
    const started = performance.now();
    const res = await request(app).post('/v1/policies/strict').set('Content-Type', 'text/plain').send(body);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'SAI_ERR_REDACTION_FAILED' });
    // the budget and the worker's grace, far from the seconds the scan would take
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
