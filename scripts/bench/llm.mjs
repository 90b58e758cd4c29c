/**
 * `npm run bench:llm`: the LLM layer's own overhead per call. A local OpenAI-compatible server with
 * zero model latency answers; the same calls go once straight through the `openai` client (baseline)
 * and once through the sidecar's hooks with everything on (fallback chain, breaker, concurrency limit,
 * quota reservation and settlement, usage and cost metering, Prometheus counters, audit log with
 * fsync batches), with the memory store and with a real redis-server. Overhead = layered − baseline,
 * at p50 and p99, over alternating batches. Bounded: CALLS calls per mode (default 2000) and 60 s.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, ROOT } from './lib.mjs';

const require = createRequire(import.meta.url);
const { LlmLayer, Meter, TestLlmServer } = require(`${ROOT}/packages/llm/dist/index.js`);
const { MemoryStore } = require(`${ROOT}/packages/sdk/dist/index.js`);
const { AuditLog, RedisStore, SidecarMetrics } = require(`${ROOT}/packages/sidecar/dist/index.js`);
const { LlmMetrics, llmHooksFor } = require(`${ROOT}/packages/sidecar/dist/llmHooks.js`);
const { OpenAI } = require('openai');

const CALLS = Number(process.env.CALLS ?? 2000);
const DEADLINE = Date.now() + 60_000;
const server = new TestLlmServer();
const baseURL = `${await server.start()}/v1`;
const request = {
  messages: [
    { role: 'system', content: 'You are a support assistant.' },
    { role: 'user', content: 'Where is my order ORD-2026-100001?' },
  ],
  maxTokens: 64,
};
const context = { correlationId: 'bench', tenantId: 'acme', consumerKey: 'app-1', apiName: 'Support', flow: 'request' };

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function layered(store) {
  const metrics = new SidecarMetrics();
  const dir = mkdtempSync(join(tmpdir(), 'sai-bench-llm-'));
  const audit = new AuditLog({ file: join(dir, 'audit.log') });
  const layer = new LlmLayer({
    providers: [{ name: 'local', type: 'compatible', baseURL }],
    chain: [{ provider: 'local', model: 'bench-model' }],
    maxRetries: 0,
    timeoutMs: 5000,
    concurrency: 64,
  });
  const meter = new Meter(store, {
    quotas: [{ scope: 'tenant', match: '*', tokens: 1e12, requests: 1e9, window: 'day' }],
    prices: { 'bench-model': { prompt: 0.15, completion: 0.6 } },
  });
  const hooks = llmHooksFor({ layer, meter, metrics: new LlmMetrics(metrics.registry), audit }, context, () => 'bench');
  return {
    call: () => hooks.complete(request),
    close: () => (audit.close(), rmSync(dir, { recursive: true, force: true })),
  };
}

function direct() {
  const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0 });
  return {
    call: () => client.chat.completions.create({ model: 'bench-model', messages: request.messages, max_tokens: 64 }),
    close: () => {},
  };
}

async function measure(modes) {
  const times = Object.fromEntries(Object.keys(modes).map((k) => [k, []]));
  for (const m of Object.values(modes)) for (let i = 0; i < 200; i++) await m.call(); // warm up
  for (let batch = 0; batch < CALLS / 100 && Date.now() < DEADLINE; batch++) {
    for (const [name, m] of Object.entries(modes)) {
      for (let i = 0; i < 100; i++) {
        const t = performance.now();
        const r = await m.call();
        if (r && r.ok === false) throw new Error(`${name}: ${r.reason}`);
        times[name].push(performance.now() - t);
      }
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.sort((a, b) => a - b)]));
}

async function startRedis() {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  await new Promise((resolve) => child.stdout.on('data', (d) => d.toString().includes('Ready to accept') && resolve()));
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

const memory = layered(new MemoryStore(undefined, 0));
const redis = await startRedis();
const redisStore = redis ? new RedisStore({ url: redis.url, keyPrefix: 'bench:' }) : undefined;
if (redisStore) await redisStore.ready();
const redisLayered = redisStore ? layered(redisStore) : undefined;
const baseline = direct();
const modes = { baseline, memory, ...(redisLayered ? { redis: redisLayered } : {}) };
const t = await measure(modes);
const b50 = quantile(t.baseline, 0.5);
const b99 = quantile(t.baseline, 0.99);
console.log(`\n${t.baseline.length} calls per mode against a local OpenAI-compatible server with zero model latency\n`);
console.log('| mode | p50 ms | p99 ms | overhead p50 ms | overhead p99 ms |');
console.log('|---|---:|---:|---:|---:|');
const rows = [];
for (const [name, v] of Object.entries(t)) {
  const p50 = quantile(v, 0.5);
  const p99 = quantile(v, 0.99);
  rows.push([name, p50 - b50]);
  console.log(
    `| ${name === 'baseline' ? 'openai client alone (baseline)' : `layer + metering + quota + audit, ${name} store`} | ${fmt(p50, 3)} | ${fmt(p99, 3)} | ${name === 'baseline' ? '' : fmt(p50 - b50, 3)} | ${name === 'baseline' ? '' : fmt(p99 - b99, 3)} |`,
  );
}
const mem = rows.find(([n]) => n === 'memory')[1];
const red = rows.find(([n]) => n === 'redis')?.[1];
console.log(
  `\nadded p50: memory ${fmt(mem, 3)} ms (target <= 1), redis ${red === undefined ? 'not measured (redis-server not installed)' : `${fmt(red, 3)} ms (target <= 3)`}`,
);
const ok = mem <= 1 && (red === undefined || red <= 3);
console.log(ok ? 'targets met' : 'TARGETS MISSED');
memory.close();
redisLayered?.close();
await redisStore?.close();
redis?.stop();
await server.stop();
process.exitCode = ok ? 0 : 1;
