/**
 * `npm run bench:hostile`: how long one hostile body holds the sidecar's event loop. For each body
 * built to hit a parser's or detector's worst case (SIZE bytes, default just under the 1 MiB body
 * limit) and each built-in policy, one request is sent while `/healthz` is asked every 20 ms; the
 * worst probe is the delay other requests would see. The baseline, measured in the same run, is the
 * `echo` policy on a plain JSON body of the same size (what any body of that size costs).
 * Bounded: one request per body and policy, each with a 20 s timeout; loopback only.
 */
import { hostileBodies, loadConfig, startSidecar } from '../../packages/sidecar/dist/index.js';
import { builtinPolicies } from '../../packages/policies/dist/index.js';

const SIZE = Number(process.env.SIZE ?? 1024 * 1024 - 64);
process.env.SAI_PII_VAULT_SECRET ??= 'bench-vault-secret-0123456789abcdef';
const fill = (unit, size) => unit.repeat(Math.max(1, Math.floor(size / unit.length)));
const bodies = hostileBodies(SIZE);

const config = loadConfig({ env: { SAI_PORT: '0', SAI_LOG_LEVEL: 'error' } });
const running = await startSidecar({ config });

async function underProbe(path, contentType, body) {
  let done = false;
  const call = fetch(`${running.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': contentType },
    body,
    signal: AbortSignal.timeout(20_000),
  }).then(async (r) => ({ status: r.status, text: await r.text() }));
  void call.finally(() => (done = true));
  let worst = 0;
  const started = performance.now();
  while (!done) {
    const t = performance.now();
    await (await fetch(`${running.url}/healthz`)).text();
    worst = Math.max(worst, performance.now() - t);
    await new Promise((r) => setTimeout(r, 20));
  }
  const { status } = await call;
  return { status, ms: performance.now() - started, worst };
}

try {
  const baselineBody = `{"items":[${fill('{"name":"ada","note":"hello there"},', SIZE - 20).slice(0, -1)}]}`;
  const base = [];
  for (let i = 0; i < 3; i++)
    base.push((await underProbe('/v1/policies/echo', 'application/json', baselineBody)).worst);
  const baseline = Math.max(1, Math.min(...base));
  console.log(
    `body size ${SIZE} bytes; baseline (echo, plain JSON of that size): worst /healthz delay ${baseline.toFixed(0)} ms`,
  );
  const rows = [];
  for (const [name, [ct, make]] of Object.entries(bodies)) {
    const body = make();
    for (const p of builtinPolicies) {
      const r = await underProbe(`/v1/policies/${p.meta.name}`, ct, body);
      rows.push({ name, policy: p.meta.name, ...r });
    }
  }
  rows.sort((a, b) => b.worst - a.worst);
  console.log('\nworst /healthz delays (ms), the ten largest:');
  for (const r of rows.slice(0, 10))
    console.log(
      `  ${r.name.padEnd(26)} ${r.policy.padEnd(16)} ${String(r.status).padEnd(4)} request ${r.ms.toFixed(0).padStart(5)} ms  /healthz ${r.worst.toFixed(0).padStart(5)} ms  (${(r.worst / baseline).toFixed(1)}× baseline)`,
    );
  const worst = rows[0];
  console.log(
    `\nworst: ${worst.worst.toFixed(0)} ms (${worst.name}, ${worst.policy}); ${rows.filter((r) => r.worst >= 1000).length} of ${rows.length} over 1 s; ${rows.filter((r) => r.status >= 500).length} answered 5xx`,
  );
} finally {
  await running.close();
}
