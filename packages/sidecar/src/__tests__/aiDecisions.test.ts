/**
 * AI-mediated decisions in the audit log: risk-score, rate-advice and anomaly records carry the
 * input's hash (never the input), the decision, the score, the class or tier, what decided and how
 * sure it was.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinPolicies } from '@synapse-ai/policies';
import { loadConfig } from '../config';
import { startSidecar, type RunningSidecar } from '../server';

const dir = mkdtempSync(join(tmpdir(), 'sai-ai-decisions-'));
const auditFile = join(dir, 'audit.log');
let sidecar: RunningSidecar;

beforeAll(async () => {
  writeFileSync(join(dir, 'sidecar.yaml'), `audit: { file: '${auditFile}' }\n`);
  sidecar = await startSidecar({
    config: loadConfig({
      file: join(dir, 'sidecar.yaml'),
      env: { SAI_LOG_LEVEL: 'error' },
      overrides: { port: 0 },
      policies: builtinPolicies,
    }),
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('keeps the decision, score, class or tier, model and confidence, and only a hash of the input', async () => {
  const login = { ip: '203.0.113.1', userAgent: 'python-requests/2.28.1', loginTime: '2024-05-15T03:30:00Z' };
  const event = {
    api_context: { api_name: '/payment/v1/process', consumer_key: 'abc123' },
    current_request: {
      ip_address: '203.0.113.1',
      user_agent: 'python-requests/2.28.1',
      timestamp: '2024-05-15T14:30:00Z',
    },
    historical_metrics: { calls_last_hour: 1250, error_rate_last_hour: 0.45, avg_response_size: 1200 },
  };
  const post = (policy: string, body: object) =>
    fetch(`${sidecar.url}/v1/policies/${policy}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-subscription-tier': 'Gold' },
      body: JSON.stringify(body),
    });
  expect((await post('risk-score', login)).status).toBe(200);
  expect((await post('rate-advice', event)).status).toBe(200);
  expect((await post('anomaly', { consumerKey: 'atk', status: 200, path: "/s?q=' OR '1'='1" })).status).toBe(200);
  await sidecar.close();
  const records = readFileSync(auditFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { policy: string; aiDecisions?: Record<string, unknown>[] });
  const decisions = Object.fromEntries(records.map((r) => [r.policy, r.aiDecisions?.[0]]));
  const sha = (o: object) => createHash('sha256').update(JSON.stringify(o)).digest('hex');
  expect(decisions['risk-score']).toEqual({
    policy: 'risk-score',
    inputSha256: sha(login),
    decision: 'step_up',
    score: 0.75,
    model: 'deterministic',
    confidence: 0.5,
  });
  expect(decisions['rate-advice']).toMatchObject({
    policy: 'rate-advice',
    inputSha256: sha(event),
    score: 0.55,
    class: 'elevated',
    tier: 'Bronze',
    model: 'deterministic',
  });
  expect(decisions.anomaly).toMatchObject({ decision: 'flagged payload_attack', model: 'deterministic' });
  // the inputs themselves are not in the log
  expect(readFileSync(auditFile, 'utf8')).not.toContain('python-requests');
});
