/**
 * Shared benchmark helpers: child-process servers on loopback, autocannon runs bounded in time and
 * count, and payloads. Every figure is printed beside a baseline measured in the same run.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Starts `node args…` and resolves with the URL it prints (`… listening on http://… `). */
export function startServer(args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in 15 s: ${out}`));
    }, 15_000);
    const onData = (chunk) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/[^\s)]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], child, stop: () => stop(child) });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${out}`));
    });
  });
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** One autocannon run: bounded by `seconds` and, when given, `amount` requests. */
export function load({
  url,
  body,
  contentType = 'application/json',
  connections = 50,
  seconds = 10,
  rate,
  amount,
  headers = {},
  allowNon2xx = false,
}) {
  // a fixed rate is spread over the connections (connectionRate): autocannon's overallRate sends in
  // bursts that queue behind each other and measure the generator more than the server
  return new Promise((resolve, reject) => {
    const opts = {
      url,
      method: 'POST',
      body,
      headers: { 'content-type': contentType, 'x-correlation-id': 'bench-1', ...headers },
      connections,
      duration: seconds,
      ...(amount ? { amount } : {}),
      ...(rate ? { connectionRate: Math.max(1, Math.round(rate / connections)) } : {}),
    };
    autocannon(opts, (err, result) => {
      if (err) return reject(err);
      if ((result.non2xx > 0 && !allowNon2xx) || result.errors > 0) {
        return reject(new Error(`${url}: ${result.non2xx} non-2xx responses, ${result.errors} errors`));
      }
      resolve({
        rps: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        total: result.requests.total,
      });
    });
  });
}

/** A realistic JSON order of about `bytes` bytes (numbers with significant text, nested arrays). */
export function orderJson(bytes) {
  const items = [];
  let i = 0;
  const base = {
    orderId: 'ORD-2026-000123',
    customer: { id: 'C-889', tier: 'gold', email: 'ada@example.com' },
    currency: 'EUR',
    total: 500.0,
    items,
  };
  while (JSON.stringify(base).length < bytes) {
    items.push({
      sku: `SKU-${1000 + i}`,
      name: `Item number ${i} with a description`,
      qty: (i % 5) + 1,
      price: 19.9 + i,
      tags: ['a', 'b'],
    });
    i++;
  }
  return JSON.stringify(base).replace('"total":500', '"total":500.0');
}

export const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : String(n));

/**
 * An open-loop load generator for latency at a fixed rate: requests leave on a schedule (rate per
 * second, spread evenly over 1 ms ticks) whether or not earlier ones have returned, over keep-alive
 * connections, and each latency is measured from the request's scheduled time, so a stalled server
 * cannot hide its stall (no coordinated omission). Bounded by `seconds` and rate × seconds requests.
 * autocannon's fixed-rate modes send in bursts whose queueing shows up as tail latency even
 * against a bare echo server; this one does not.
 */
export async function openLoop({
  url,
  body,
  contentType = 'application/json',
  headers = {},
  rate,
  seconds,
  expectStatus = (s) => s >= 200 && s < 300,
}) {
  const { request, Agent } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const target = new URL(url);
  const payload = Buffer.from(body);
  const total = Math.round(rate * seconds);
  const latencies = new Float64Array(total);
  let sent = 0;
  let done = 0;
  let failed = 0;
  const start = performance.now();
  return new Promise((resolve) => {
    const fire = (scheduled, i) => {
      const req = request(
        {
          agent,
          hostname: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: 'POST',
          headers: {
            'content-type': contentType,
            'content-length': payload.length,
            'x-correlation-id': `bench-${i}`,
            ...headers,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (!expectStatus(res.statusCode)) failed++;
            latencies[i] = performance.now() - scheduled;
            finish();
          });
        },
      );
      req.on('error', () => {
        failed++;
        latencies[i] = performance.now() - scheduled;
        finish();
      });
      req.end(payload);
    };
    const finish = () => {
      if (++done === total) {
        clearInterval(timer);
        agent.destroy();
        const sorted = Array.from(latencies).sort((a, b) => a - b);
        const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
        resolve({
          rps: total / ((performance.now() - start) / 1000),
          p50: q(0.5),
          p99: q(0.99),
          max: sorted[sorted.length - 1],
          total,
          failed,
        });
      }
    };
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      while (sent < due) {
        const i = sent++;
        fire(start + (i / rate) * 1000, i);
      }
    }, 1);
  });
}
