/**
 * The container image and the Kubernetes manifests: the manifests validate against the Kubernetes
 * API schemas (kubernetes-models) and the Prometheus Operator CRDs, and hold what a platform team
 * expects of a sidecar (probes, limits, non-root and read-only, secrets from a Secret, a disruption
 * budget, scraping with a token); the Dockerfile is multi-stage, non-root, with a health check and an
 * exec-form entrypoint. The image build itself runs in `.ci/run` where a Docker daemon is available.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const ROOT = join(__dirname, '../../..');
const K8S = join(ROOT, 'examples/kubernetes');
const SCRIPT = join(ROOT, 'scripts/deploy/validate-manifests.mjs');

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const objects: Obj[] = readdirSync(K8S)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parseAllDocuments(readFileSync(join(K8S, f), 'utf8')).map((d) => d.toJS() as Obj))
  .filter((o) => o !== null);
const byKind = (kind: string): Obj[] => objects.filter((o) => o.kind === kind);
const gateways = byKind('Deployment').filter((d) => d.metadata.labels['app.kubernetes.io/component'] === 'gateway');
const sidecarOf = (d: Obj): Obj => d.spec.template.spec.containers.find((c: Obj) => c.name === 'synapse-ai');

describe('Kubernetes manifests (examples/kubernetes)', () => {
  it('validate against the Kubernetes and Prometheus Operator schemas', () => {
    const out = execFileSync(process.execPath, [SCRIPT], { encoding: 'utf8' });
    const results = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { ok: boolean; kind: string });
    expect(results.length).toBe(objects.length);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(new Set(results.map((r) => r.kind))).toEqual(
      new Set(['Deployment', 'Service', 'Secret', 'PodDisruptionBudget', 'ServiceMonitor']),
    );
  });

  it('the validation fails on a manifest that breaks the schema (so the check can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sai-k8s-'));
    writeFileSync(
      join(dir, 'bad.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: x }\nspec:\n  replicas: two\n  selector: { matchLabels: { a: b } }\n  template: { metadata: { labels: { a: b } }, spec: { containers: [{ name: c, image: i }] } }\n',
    );
    const r = spawnSync(process.execPath, [SCRIPT, dir], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/replicas must be integer/);
  });

  it.each(gateways.map((d) => [d.metadata.name as string, d] as const))(
    '%s: the sidecar next to the gateway, probed, limited, unprivileged, secrets from the Secret',
    (_, d) => {
      const spec = d.spec.template.spec;
      expect(spec.containers.length).toBe(2);
      const s = sidecarOf(d);
      expect(s.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 'sidecar' });
      expect(s.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 'sidecar' });
      expect(s.resources.requests).toBeDefined();
      expect(s.resources.limits).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
      expect(s.securityContext).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      const env = Object.fromEntries((s.env as Obj[]).map((e) => [e.name, e]));
      for (const name of ['GATEWAY_TOKEN', 'METRICS_TOKEN', 'SAI_PII_VAULT_SECRET']) {
        expect(env[name].valueFrom.secretKeyRef.name).toBe('synapse-ai');
      }
      expect(env.SAI_AUTH_TOKENS.value).toBe('$(GATEWAY_TOKEN),$(METRICS_TOKEN)');
      expect(env.SAI_REDIS_URL.value).toMatch(/^redis:\/\/synapse-ai-redis:6379$/);
      // every key the pod reads exists in the Secret
      const secret = byKind('Secret')[0]!;
      for (const e of s.env as Obj[]) {
        if (e.valueFrom) expect(Object.keys(secret.stringData)).toContain(e.valueFrom.secretKeyRef.key);
      }
      // the writable /tmp of a read-only container
      expect(s.volumeMounts).toContainEqual({ name: 'sidecar-tmp', mountPath: '/tmp' });
      expect(spec.volumes).toContainEqual({ name: 'sidecar-tmp', emptyDir: {} });
      // in-flight calls finish before the pod is killed (shutdownTimeoutMs defaults to 10 s)
      expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(10);
      // a disruption budget covers it
      const labels = d.spec.template.metadata.labels as Record<string, string>;
      expect(
        byKind('PodDisruptionBudget').some((p) =>
          Object.entries(p.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => labels[k] === v),
        ),
      ).toBe(true);
    },
  );

  it('the gateway calls the sidecar over loopback', () => {
    const mi = gateways.find((d) => d.metadata.name === 'orders-mi')!;
    const container = mi.spec.template.spec.containers.find((c: Obj) => c.name === 'micro-integrator');
    expect(container.env).toContainEqual({ name: 'saiSidecarUrl', value: 'http://127.0.0.1:8088' });
  });

  it('Prometheus scrapes every sidecar through a Service, with the metrics token', () => {
    const monitor = byKind('ServiceMonitor')[0]!;
    const service = byKind('Service').find((s) =>
      Object.entries(monitor.spec.selector.matchLabels as Record<string, string>).every(
        ([k, v]) => (s.metadata.labels as Record<string, string>)[k] === v,
      ),
    )!;
    expect(service).toBeDefined();
    for (const d of gateways) {
      const labels = d.spec.template.metadata.labels as Record<string, string>;
      expect(Object.entries(service.spec.selector as Record<string, string>).every(([k, v]) => labels[k] === v)).toBe(
        true,
      );
    }
    expect(monitor.spec.endpoints[0]).toMatchObject({
      port: 'sidecar',
      path: '/metrics',
      bearerTokenSecret: { name: 'synapse-ai', key: 'metrics-token' },
    });
  });

  it('Redis is there for several replicas, unprivileged, with a Service the sidecars use', () => {
    const redis = byKind('Deployment').find((d) => d.metadata.name === 'synapse-ai-redis')!;
    expect(redis.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(byKind('Service').some((s) => s.metadata.name === 'synapse-ai-redis')).toBe(true);
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const lines = text.split('\n').filter((l) => !l.startsWith('#'));

  it('builds in one stage and runs in another, from the committed lock', () => {
    expect(lines.filter((l) => /^FROM /.test(l))).toHaveLength(2);
    expect(text).toMatch(/^FROM node:20[\w.-]* AS build$/m);
    expect(text).toMatch(/COPY package\.json package-lock\.json/);
    expect(text).toMatch(/npm ci /);
    expect(text).toMatch(/npm prune --omit=dev/);
  });

  it('runs as a non-root user with a health check on /healthz and an exec-form entrypoint (SIGTERM reaches node)', () => {
    const runtime = text.slice(text.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(runtime).toMatch(/^ENTRYPOINT \["node", "packages\/cli\/bin\/synapse-ai\.js"\]$/m);
    expect(runtime).toMatch(/^CMD \["serve"\]$/m);
  });

  it('keeps what the runtime needs out of .dockerignore and leaves the rest out', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toContain('**/node_modules');
    for (const needed of ['packages', 'package.json', 'package-lock.json', 'tsconfig.base.json']) {
      expect(ignored).not.toContain(needed);
    }
  });
});
