import { join } from 'node:path';
import { PolicyTester } from '@synapse-ai/sdk';
import supportTriage, { classifyTicket, readTicket } from '..';
import { useTestLlm } from '../../__tests__/harness';

const fixtures = PolicyTester.loadFixtures(join(__dirname, '../fixtures'));
const routes = { billing: 'queue-billing', auth: 'queue-identity', quota: 'queue-plans', outage: 'queue-sre' };

PolicyTester.run(supportTriage, {
  valid: [
    ...fixtures.valid,
    {
      name: 'a Jira issue about 401s after a key rotation goes to identity',
      options: { routes },
      body: {
        fields: {
          summary: 'Getting 401 Unauthorized since rotating our consumer key',
          description:
            'Every call returns 401 with "Invalid Credentials" since we regenerated the consumer key and token this morning.',
        },
      },
      expectHeaders: { 'X-Ticket-Intent': 'auth', 'X-Route-Target': 'queue-identity' },
      notes: ['support-triage=keywords'],
    },
    {
      name: 'a ServiceNow incident about throttling goes to the plans team',
      options: { routes },
      body: {
        short_description: 'HTTP 429 Too Many Requests on /orders',
        description: 'We hit the rate limit of our Gold tier every afternoon; can we raise the quota?',
      },
      expectHeaders: { 'X-Ticket-Intent': 'quota', 'X-Route-Target': 'queue-plans' },
    },
    {
      name: 'a ticket no keyword explains goes to the default route',
      options: { routes, defaultRoute: 'queue-triage' },
      body: { subject: 'Hello', description: 'Please call me back.' },
      expectHeaders: { 'X-Ticket-Intent': 'other', 'X-Route-Target': 'queue-triage' },
    },
    {
      name: 'an intent without a route goes to the default route',
      options: { routes },
      body: {
        subject: 'The documentation example for pagination is unclear',
        description: 'How do I page through results?',
      },
      expectHeaders: { 'X-Ticket-Intent': 'docs', 'X-Route-Target': 'support' },
    },
  ],
  invalid: [
    ...fixtures.invalid,
    {
      name: 'options must name known intents',
      options: { routes: { payroll: 'x' } },
      body: { subject: 'x' },
      error: { code: 'SAI_ERR_INVALID_OPTIONS' },
    },
  ],
});

describe('classifyTicket', () => {
  it('weighs the subject above the body and reports the share of the winner', () => {
    const t = classifyTicket('Outage: API down', 'We see an error in the logs and a timeout on every call.');
    expect(t.intent).toBe('outage');
    expect(t.confidence).toBeGreaterThan(0.5);
    expect(t.scores.bug).toBeGreaterThan(0);
  });
  it('reads tickets in the shapes help desks send', () => {
    expect(readTicket({ ticket: { subject: 's', description: 'd' } })).toEqual({ subject: 's', body: 'd' });
    expect(readTicket({ fields: { summary: 's', description: 'd' } })).toEqual({ subject: 's', body: 'd' });
    expect(readTicket({ title: 's', body: 'd' })).toEqual({ subject: 's', body: 'd' });
  });
});

describe('support-triage with a model', () => {
  const test = useTestLlm();
  it('uses the model only for an intent of the list, and falls back to the keywords', async () => {
    test.server.enqueue({ kind: 'reply', content: '{"intent":"feature","confidence":0.9}' });
    await PolicyTester.runValid(
      supportTriage,
      {
        name: 'model',
        options: { routes: { feature: 'queue-product' }, model: true },
        body: { subject: 'Could you add webhooks?', description: '' },
        expectHeaders: { 'X-Ticket-Intent': 'feature', 'X-Route-Target': 'queue-product' },
        notes: ['support-triage=model'],
      },
      { llm: test.llm() },
    );
    // an intent outside the list breaks the schema: the keywords decide
    test.server.enqueue({ kind: 'reply', content: '{"intent":"payroll","confidence":1}' });
    await PolicyTester.runValid(
      supportTriage,
      {
        name: 'bad model answer',
        options: { routes, model: true },
        body: { subject: 'Refund for a double charge', description: '' },
        expectHeaders: { 'X-Ticket-Intent': 'billing', 'X-Route-Target': 'queue-billing' },
        notes: ['support-triage=keywords'],
      },
      { llm: test.llm() },
    );
  });
});
