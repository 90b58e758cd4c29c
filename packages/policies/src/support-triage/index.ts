/**
 * @fileoverview `support-triage`: classifies a support ticket's intent (billing, auth, quota, bug,
 * docs, outage, feature, account, other) and sets where it goes from configuration. Deterministic
 * keyword scoring over the subject (weighted) and the body; with `model: true` and an LLM, the model
 * chooses among the same intents (schema-checked) and the keywords decide when it cannot. The
 * ticket text is never echoed in headers or notes.
 */
import { createHash } from 'node:crypto';
import { definePolicy, plainJson, proceed } from '@synapse-ai/sdk';
import { askModel } from '../llmShared';

export const INTENTS = ['billing', 'auth', 'quota', 'bug', 'docs', 'outage', 'feature', 'account', 'other'] as const;
export type Intent = (typeof INTENTS)[number];

/** Words and phrases that point to an intent (lower case; a phrase counts once per occurrence). */
const KEYWORDS: Record<Exclude<Intent, 'other'>, string[]> = {
  billing: [
    'invoice',
    'bill',
    'billing',
    'charge',
    'charged',
    'refund',
    'payment',
    'credit card',
    'price',
    'pricing',
    'receipt',
    'overcharged',
    'subscription fee',
  ],
  auth: [
    '401',
    '403',
    'unauthorized',
    'forbidden',
    'token',
    'oauth',
    'login',
    'log in',
    'sign in',
    'password',
    'api key',
    'credentials',
    'consumer key',
    'scope',
    'jwt',
    'expired',
  ],
  quota: [
    '429',
    'rate limit',
    'throttled',
    'throttling',
    'quota',
    'too many requests',
    'limit reached',
    'tier',
    'upgrade plan',
    'spike arrest',
  ],
  bug: [
    'error',
    'exception',
    'bug',
    'crash',
    'broken',
    'wrong',
    'incorrect',
    'fails',
    'failing',
    'unexpected',
    '500',
    'stack trace',
    'regression',
  ],
  docs: [
    'documentation',
    'docs',
    'example',
    'how do i',
    'how to',
    'guide',
    'tutorial',
    'swagger',
    'openapi',
    'reference',
    'unclear',
  ],
  outage: [
    'down',
    'outage',
    'unavailable',
    '503',
    '502',
    '504',
    'timeout',
    'timed out',
    'not responding',
    'latency',
    'slow',
    'incident',
  ],
  feature: ['feature', 'request', 'would like', 'could you add', 'support for', 'enhancement', 'roadmap', 'suggestion'],
  account: [
    'account',
    'delete my',
    'close my',
    'gdpr',
    'personal data',
    'email change',
    'profile',
    'organisation',
    'organization',
    'team member',
  ],
};

export interface Triage {
  intent: Intent;
  /** 0..1: the winner's share of all keyword hits (1 when only one intent matched). */
  confidence: number;
  scores: Partial<Record<Intent, number>>;
}

const count = (text: string, phrase: string): number => {
  const re = new RegExp(`(?<![\\p{L}\\p{N}])${phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`, 'gu');
  return (text.match(re) ?? []).length;
};

/** The deterministic classification: subject words count three times, body words once. */
export function classifyTicket(subject: string, body: string): Triage {
  const s = subject.toLowerCase();
  const b = body.toLowerCase();
  const scores: Partial<Record<Intent, number>> = {};
  for (const [intent, words] of Object.entries(KEYWORDS) as [Exclude<Intent, 'other'>, string[]][]) {
    const n = words.reduce((acc, w) => acc + 3 * count(s, w) + count(b, w), 0);
    if (n > 0) scores[intent] = n;
  }
  const ranked = (Object.entries(scores) as [Intent, number][]).sort((x, y) => y[1] - x[1]);
  if (ranked.length === 0) return { intent: 'other', confidence: 0, scores };
  const total = ranked.reduce((a, [, n]) => a + n, 0);
  return { intent: ranked[0]![0], confidence: Math.round((ranked[0]![1] / total) * 100) / 100, scores };
}

/** The subject and body of a ticket in the shapes help desks send (Zendesk, Jira, ServiceNow, plain). */
export function readTicket(value: unknown): { subject: string; body: string } {
  const v = (value ?? {}) as Record<string, unknown>;
  const t = (v.ticket ?? v.issue ?? v.fields ?? v) as Record<string, unknown>;
  const str = (x: unknown): string => (typeof x === 'string' ? x : '');
  const subject = str(t.subject) || str(t.summary) || str(t.title) || str(t.short_description);
  const body = str(t.description) || str(t.body) || str(t.comment) || str(t.text) || str(t.message);
  return { subject, body };
}

export default definePolicy({
  meta: {
    name: 'support-triage',
    version: '1.0.0',
    description:
      'Classifies a support ticket (billing, auth, quota, bug, docs, outage, feature, account) and sets its routing target.',
    flows: ['request'],
    stage: 'enrich',
    priority: 500,
    accepts: ['json'],
  },
  options: {
    type: 'object',
    additionalProperties: false,
    properties: {
      routes: {
        type: 'object',
        propertyNames: { enum: [...INTENTS] },
        additionalProperties: { type: 'string', minLength: 1, maxLength: 200 },
        default: {},
        description: 'Routing target per intent (a queue, team or group id).',
      },
      defaultRoute: {
        type: 'string',
        minLength: 1,
        default: 'support',
        description: 'Target for intents without a route.',
      },
      minConfidence: {
        type: 'number',
        minimum: 0,
        maximum: 1,
        default: 0.4,
        description: 'Below this the ticket goes to the default route (intent still reported).',
      },
      model: { type: 'boolean', default: false, description: 'Let a configured model choose the intent.' },
    },
  },
  async handler(message, ctx) {
    const o = ctx.options as {
      routes: Record<string, string>;
      defaultRoute: string;
      minConfidence: number;
      model: boolean;
    };
    const { subject, body } = readTicket(plainJson(message.payload));
    let triage = classifyTicket(subject, body);
    let decidedBy = 'deterministic';
    if (o.model && (subject !== '' || body !== '')) {
      const outcome = await askModel<{ intent: Intent; confidence: number }>(ctx, {
        system: `Classify the support ticket's intent. Answer with one of: ${INTENTS.join(', ')}.`,
        user: `Subject: ${subject}\n\n${body.slice(0, 4000)}`,
        schema: {
          type: 'object',
          additionalProperties: false,
          required: ['intent', 'confidence'],
          properties: { intent: { enum: [...INTENTS] }, confidence: { type: 'number', minimum: 0, maximum: 1 } },
        },
        maxTokens: 60,
      });
      if (outcome.status === 'used' && INTENTS.includes(outcome.value.intent)) {
        triage = { intent: outcome.value.intent, confidence: outcome.value.confidence, scores: triage.scores };
        decidedBy = outcome.model;
      }
    }
    const confident = triage.confidence >= o.minConfidence;
    const target = (confident ? o.routes[triage.intent] : undefined) ?? o.defaultRoute;
    return proceed({
      modified: false,
      headers: {
        'X-Ticket-Intent': triage.intent,
        'X-Ticket-Confidence': String(triage.confidence),
        'X-Route-Target': target,
      },
      note: decidedBy === 'deterministic' ? 'keywords' : 'model',
      aiDecision: {
        inputSha256: createHash('sha256').update(`${subject}\n${body}`).digest('hex'),
        decision: target,
        class: triage.intent,
        model: decidedBy,
        confidence: triage.confidence,
      },
    });
  },
});
