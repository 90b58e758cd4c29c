#!/usr/bin/env node
/**
 * `npm run test:chaos`: faults against a real sidecar process, on loopback only, bounded in count and
 * time. It starts `synapse-ai serve` as a child process (so a crash shows as an exit), two local
 * OpenAI-compatible servers, a real redis-server (when installed) and an audit log on a path it can
 * point at /dev/full, then injects LLM faults (429 with a long Retry-After, hangs, 500s, garbage, a
 * refused port), Redis faults (killed and restarted mid-run) and disk faults (the audit disk full,
 * then free), and prints what it saw. It fails (exit 1) on a crash, a 5xx the fault does not explain,
 * a pseudonym restored to another conversation's value, or an audit chain that does not verify.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestLlmServer } from '../../packages/llm/dist/index.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const CLI = join(ROOT, 'packages/cli/bin/synapse-ai.js');
const DEADLINE = Date.now() + 180_000; // the whole run
const problems = [];
const seen = [];
const note = (line) => {
  seen.push(line);
  console.log(`  ${line}`);
};
const problem = (line) => {
  problems.push(line);
  console.log(`  PROBLEM: ${line}`);
};

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function hasRedis() {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function startRedis(port) {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start')), 10_000);
    child.stdout.on('data', (d) => {
      if (String(d).includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code})`)));
  });
  return child;
}

/** Starts the sidecar as its own process; resolves with its URL and a handle that notices a crash. */
async function startSidecar(configFile, env) {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve', '--config', configFile, '--port', String(port)], {
    env: { ...process.env, ...env, SAI_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exited;
  child.once('exit', (code, signal) => (exited = { code, signal }));
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (exited) throw new Error(`the sidecar exited at start (${exited.code}): ${stderr}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      await sleep(100);
    }
  }
  return {
    url,
    crashed: () => exited,
    stderr: () => stderr,
    stop: async () => {
      if (exited) return exited;
      child.kill('SIGTERM');
      for (let i = 0; i < 150 && !exited; i++) await sleep(100);
      if (!exited) child.kill('SIGKILL');
      return exited;
    },
  };
}

async function post(url, path, body, headers = {}) {
  const started = performance.now();
  try {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text, ms: performance.now() - started, headers: res.headers };
  } catch (err) {
    return { status: 0, text: String(err), ms: performance.now() - started };
  }
}

const tally = (rs) =>
  Object.entries(rs.reduce((m, r) => ((m[r.status] = (m[r.status] ?? 0) + 1), m), {}))
    .map(([s, n]) => `${n}×${s}`)
    .join(', ');

// ---------------------------------------------------------------------------------------------

async function llmFaults(dir) {
  console.log('LLM faults');
  const primary = new TestLlmServer();
  const backup = new TestLlmServer();
  const primaryUrl = await primary.start();
  const backupUrl = await backup.start();
  const refused = await freePort();
  const config = join(dir, 'llm.yaml');
  writeFileSync(
    config,
    [
      'server: { requestTimeoutMs: 3000 }',
      'llm:',
      '  providers:',
      `    - { name: refused, type: compatible, baseURL: "http://127.0.0.1:${refused}/v1" }`,
      `    - { name: primary, type: compatible, baseURL: "${primaryUrl}/v1" }`,
      `    - { name: backup, type: compatible, baseURL: "${backupUrl}/v1" }`,
      '  chain: [{ provider: refused, model: a }, { provider: primary, model: b }, { provider: backup, model: c }]',
      '  timeoutMs: 1000',
      '  maxRetries: 2',
      '  breaker: { failures: 3, openMs: 1500 }',
    ].join('\n'),
  );
  const sidecar = await startSidecar(config, {});
  backup.fallback = { kind: 'reply', content: 'from the backup' };
  const faults = [
    ['429 with Retry-After: 60', { kind: 'status', status: 429, retryAfter: 60 }],
    ['503 with Retry-After: 30', { kind: 'status', status: 503, retryAfter: 30 }],
    ['a hang', { kind: 'hang' }],
    ['500', { kind: 'status', status: 500 }],
    ['garbage JSON', { kind: 'garbage' }],
  ];
  try {
    for (const [name, behaviour] of faults) {
      if (Date.now() > DEADLINE) break;
      await sleep(1600); // the breaker the last fault opened lets a probe through again
      primary.reset();
      primary.fallback = behaviour;
      const rs = await Promise.all(
        Array.from({ length: 8 }, () => post(sidecar.url, '/v1/policies/prompt', { prompt: 'hello' })),
      );
      const answered = rs.filter((r) => r.status === 200 && /from the backup/.test(r.text)).length;
      const slowest = Math.max(...rs.map((r) => r.ms));
      note(
        `primary answers ${name}: ${tally(rs)}; ${answered}/8 answered by the backup; slowest ${slowest.toFixed(0)} ms; primary saw ${primary.requests.length} calls`,
      );
      if (answered !== rs.length)
        problem(`with the primary answering ${name}, not every call failed over: ${tally(rs)}`);
      if (slowest > 3500)
        problem(`with the primary answering ${name}, a call took ${slowest.toFixed(0)} ms (deadline 3000)`);
    }
    // everything down: the policy's fallback, never a crash
    primary.fallback = { kind: 'status', status: 500 };
    backup.fallback = { kind: 'status', status: 500 };
    const down = await Promise.all(
      Array.from({ length: 4 }, () => post(sidecar.url, '/v1/policies/prompt', { prompt: 'hi' })),
    );
    note(`every provider failing: ${tally(down)} (${down[0]?.json?.code ?? down[0]?.text.slice(0, 60)})`);
    if (down.some((r) => r.status === 0 || r.status === 500)) problem(`with every provider failing: ${tally(down)}`);
  } finally {
    const exit = await sidecar.stop();
    if (sidecar.crashed()?.signal !== 'SIGTERM' && exit?.code !== 0)
      problem(`the sidecar crashed (${JSON.stringify(exit)}): ${sidecar.stderr().slice(-400)}`);
    else note('the sidecar stopped cleanly (exit 0)');
    await primary.stop();
    await backup.stop();
  }
}

async function redisFaults(dir) {
  console.log('Redis faults');
  if (!hasRedis()) {
    if (process.env.CI) problem('redis-server is not installed (.ci/run installs it)');
    else note('SKIPPED: redis-server is not installed (Debian: apt-get install -y redis-server)');
    return;
  }
  const port = await freePort();
  let redis = await startRedis(port);
  const config = join(dir, 'redis.yaml');
  writeFileSync(
    config,
    [
      `store: { type: redis, url: "redis://127.0.0.1:${port}", commandTimeoutMs: 300 }`,
      'policies:',
      '  redact-pii:',
      "    options: { operators: { '*': { op: pseudonymize } } }",
    ].join('\n'),
  );
  const env = { SAI_PII_VAULT_SECRET: 'chaos-vault-secret-0123456789abcdef' };
  const sidecar = await startSidecar(config, env);
  const sessions = Array.from({ length: 12 }, (_, i) => ({
    id: `session-${i}`,
    email: `person${i}@example.com`,
    phone: `+1 415 555 ${String(1000 + i)}`,
  }));
  const redactOne = (s) =>
    post(
      sidecar.url,
      '/v1/policies/redact-pii',
      { note: `mail ${s.email} or call ${s.phone}` },
      { 'X-Session-ID': s.id, 'X-Tenant-ID': 'acme' },
    );
  const restoreOne = (s, body) =>
    post(sidecar.url, '/v1/policies/restore-pii', body, {
      'X-Session-ID': s.id,
      'X-Tenant-ID': 'acme',
      'X-Flow': 'response',
    });
  let misattributed = 0;
  let exact = 0;
  const checkRound = async (label) => {
    const red = await Promise.all(sessions.map(redactOne));
    const ok = red.filter((r) => r.status === 200);
    const rest = await Promise.all(
      sessions.map((s, i) => (red[i].status === 200 ? restoreOne(s, red[i].json) : undefined)),
    );
    for (let i = 0; i < sessions.length; i++) {
      const r = rest[i];
      if (!r || r.status !== 200) continue;
      const back = r.json?.note ?? '';
      const want = `mail ${sessions[i].email} or call ${sessions[i].phone}`;
      if (back === want) exact++;
      if (back !== want && sessions.some((o, j) => j !== i && (back.includes(o.email) || back.includes(o.phone))))
        misattributed++;
    }
    note(`${label}: redact ${tally(red)}; restore ${tally(rest.filter(Boolean))}; restored exactly: ${exact} so far`);
    if (red.some((r) => r.status === 0 || r.status === 500)) problem(`${label}: redact answered ${tally(red)}`);
    return ok.length;
  };
  try {
    await checkRound('Redis up');
    redis.kill('SIGKILL');
    await sleep(300);
    const during = await Promise.all(sessions.slice(0, 4).map(redactOne));
    note(
      `Redis killed: redact ${tally(during)} (fails closed: ${during.every((r) => r.status === 503) ? 'yes' : 'no'})`,
    );
    if (!during.every((r) => r.status === 503))
      problem(`with Redis down, redact with pseudonyms answered ${tally(during)}, not 503`);
    const ready = await fetch(`${sidecar.url}/readyz`);
    note(`/readyz with Redis down: ${ready.status}`);
    redis = await startRedis(port); // a restart loses every key: counters and mappings alike
    await sleep(1500);
    await checkRound('Redis restarted empty');
    await checkRound('again');
    if (misattributed > 0) problem(`${misattributed} restore(s) gave back another conversation's value`);
    else note('no restore gave back another conversation’s value');
  } finally {
    const exit = await sidecar.stop();
    if (exit?.code !== 0 && exit?.signal !== 'SIGTERM')
      problem(`the sidecar crashed (${JSON.stringify(exit)}): ${sidecar.stderr().slice(-400)}`);
    else note('the sidecar stopped cleanly (exit 0)');
    redis.kill('SIGKILL');
  }
}

async function diskFaults(dir) {
  console.log('Disk faults');
  if (!existsSync('/dev/full')) {
    problem('/dev/full is not there to produce ENOSPC');
    return;
  }
  const real = join(dir, 'audit-real.log');
  const link = join(dir, 'audit.log');
  writeFileSync(real, '');
  symlinkSync(real, link);
  const config = join(dir, 'disk.yaml');
  writeFileSync(config, `audit: { file: ${JSON.stringify(link)} }\n`);
  const sidecar = await startSidecar(config, {});
  const burst = () => Promise.all(Array.from({ length: 10 }, (_, i) => post(sidecar.url, '/v1/policies/echo', { i })));
  try {
    note(`disk fine: ${tally(await burst())}`);
    await sleep(400);
    unlinkSync(link);
    symlinkSync('/dev/full', link); // the disk is full from now on
    const first = await burst();
    await sleep(500); // the next flush fails
    const full = await burst();
    const ready = await fetch(`${sidecar.url}/readyz`).then(async (r) => `${r.status} ${await r.text()}`);
    note(`disk full: ${tally(first)}, then ${tally(full)}; /readyz ${ready}`);
    if (!full.every((r) => r.status === 503))
      problem(`with the audit disk full, calls answered ${tally(full)}, not 503 (fail closed)`);
    unlinkSync(link);
    symlinkSync(real, link);
    await sleep(500);
    const after = await burst();
    note(`disk free again: ${tally(after)}`);
    if (!after.every((r) => r.status === 200)) problem(`after the disk recovered, calls answered ${tally(after)}`);
  } finally {
    const exit = await sidecar.stop();
    if (exit?.code !== 0) problem(`the sidecar crashed (${JSON.stringify(exit)}): ${sidecar.stderr().slice(-400)}`);
    else note('the sidecar stopped cleanly (exit 0)');
  }
  try {
    const out = execFileSync(process.execPath, [CLI, 'audit', 'verify', link], { encoding: 'utf8' });
    note(`audit verify: ${out.trim()}`);
  } catch (err) {
    problem(`audit verify failed: ${err.stdout ?? err.message}`);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'sai-chaos-'));
console.log(`synapse-ai chaos run (loopback only; work folder ${dir})`);
for (const phase of [llmFaults, redisFaults, diskFaults]) {
  if (Date.now() > DEADLINE) {
    problem(`time is up before ${phase.name}`);
    break;
  }
  try {
    await phase(dir);
  } catch (err) {
    problem(`${phase.name} could not run: ${err.stack ?? err}`);
  }
}
console.log(
  problems.length === 0
    ? '\nchaos run: no crash, no misattributed data, every fault handled'
    : `\nchaos run: ${problems.length} problem(s)`,
);
process.exit(problems.length === 0 ? 0 : 1);
