/**
 * examples/observability: every metric and label the Prometheus rules and the Grafana dashboard use
 * exists on a running sidecar's /metrics (with a model provider, quotas and an audit log, after
 * calls that succeed, fail over and are refused, so that every labelled series has samples).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TestLlmServer } from '@synapse-ai/llm';
import { builtinPolicies } from '@synapse-ai/policies';
import { loadConfig } from '../config';
import { startSidecar, type RunningSidecar } from '../server';

const ROOT = join(__dirname, '../../../..');
const dir = mkdtempSync(join(tmpdir(), 'sai-observability-'));
const primary = new TestLlmServer();
const backup = new TestLlmServer();
let sidecar: RunningSidecar;

beforeAll(async () => {
  const a = await primary.start();
  const b = await backup.start();
  writeFileSync(
    join(dir, 'sidecar.yaml'),
    `
audit: { file: '${join(dir, 'audit.log')}' }
llm:
  providers:
    - { name: primary, type: compatible, baseURL: '${a}/v1' }
    - { name: backup, type: compatible, baseURL: '${b}/v1' }
  chain: [{ provider: primary, model: m1 }, { provider: backup, model: m2 }]
  maxRetries: 0
  breaker: { failures: 1, openMs: 60000 }
  quotas: [{ scope: application, match: limited, requests: 1, window: minute }]
pipelines:
  ask: [{ policy: prompt }]
`,
  );
  sidecar = await startSidecar({
    config: loadConfig({
      file: join(dir, 'sidecar.yaml'),
      env: { SAI_LOG_LEVEL: 'error' },
      overrides: { port: 0 },
      policies: builtinPolicies,
    }),
  });
});
afterAll(async () => {
  await sidecar?.close();
  await primary.stop();
  await backup.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Metric name → the label names its samples carry, from the Prometheus text. */
function exported(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\w+)$/gm)) out.set(m[1]!, new Set());
  for (const m of text.matchAll(/^([a-z_:][a-z0-9_:]*)(?:\{([^}]*)\})? /gm)) {
    const base = [...out.keys()].find(
      (n) => m[1] === n || m[1] === `${n}_bucket` || m[1] === `${n}_count` || m[1] === `${n}_sum`,
    );
    if (!base) continue;
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="/g)) out.get(base)!.add(l[1]!);
  }
  return out;
}

/** The metrics an expression reads (histogram series by their base name) and the labels it uses on them. */
function uses(expr: string): { metrics: string[]; labels: string[] } {
  const metrics = [
    ...new Set([...expr.matchAll(/\bsai_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, ''))),
  ];
  const labels = [
    ...[...expr.matchAll(/\bby \(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((x) => x.trim())),
    ...[...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) =>
      [...m[1]!.matchAll(/([a-zA-Z_]\w*)\s*(?:=|!=|=~|!~)/g)].map((x) => x[1]!),
    ),
  ].filter((l) => l !== '');
  return { metrics, labels };
}

describe('examples/observability', () => {
  const rules = (
    parse(readFileSync(join(ROOT, 'examples/observability/alerts.yaml'), 'utf8')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    }
  ).groups.flatMap((g) => g.rules);
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'examples/observability/grafana-dashboard.json'), 'utf8')) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  const expressions = [
    ...rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
    ...dashboard.panels.flatMap((p) => p.targets.map((t) => ({ where: `panel "${p.title}"`, expr: t.expr }))),
  ];

  it('covers latency spikes, error rates, open breakers and quota exhaustion', () => {
    const names = rules.map((r) => r.alert);
    expect(names).toEqual(
      expect.arrayContaining([
        'SaiLlmLatencySpike',
        'SaiLlmErrorRate',
        'SaiLlmBreakerOpen',
        'SaiQuotaExhausted',
        'SaiPolicyErrorRate',
      ]),
    );
  });

  it('uses only metrics and labels a running sidecar exports', async () => {
    // an answer from the primary, then a failure there (the breaker opens, the backup answers), and a refusal
    primary.enqueue({ kind: 'reply', content: 'one' }, { kind: 'status', status: 500 });
    const ask = (app: string) =>
      fetch(`${sidecar.url}/v1/policies/ask`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'x-consumer-key': app, 'x-tenant-id': 'acme' },
        body: 'hello',
      });
    expect((await ask('a')).status).toBe(200);
    expect((await ask('b')).status).toBe(200);
    expect((await ask('limited')).status).toBe(200);
    expect((await ask('limited')).status).toBe(429);
    const text = await fetch(`${sidecar.url}/metrics`).then((r) => r.text());
    expect(text).toMatch(/^sai_llm_breaker_state\{provider="primary",model="m1"\} 2$/m);
    expect(text).toMatch(/^sai_llm_fallbacks_total\{provider="primary",model="m1",reason="provider_error"\} 1$/m);
    const metrics = exported(text);
    const problems: string[] = [];
    for (const { where, expr } of expressions) {
      const u = uses(expr);
      expect(u.metrics.length).toBeGreaterThan(0);
      for (const m of u.metrics) if (!metrics.has(m)) problems.push(`${where}: ${m} is not exported`);
      const labels = new Set(u.metrics.flatMap((m) => [...(metrics.get(m) ?? [])]));
      for (const l of u.labels) if (!labels.has(l)) problems.push(`${where}: no label ${l} on ${u.metrics.join(', ')}`);
    }
    expect(problems).toEqual([]);
  });
});
