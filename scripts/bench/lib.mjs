/**
 * Shared benchmark helpers: child-process servers on loopback, load runs bounded in time and
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
    let started = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in 15 s: ${out}`));
    }, 15_000);
    const onData = (chunk) => {
      // once started, output is drained and dropped: keeping (and searching) it would load this process
      if (started) return;
      out += chunk.toString();
      const m = /listening on (http:\/\/[^\s)]+)/.exec(out);
      if (m) {
        started = true;
        out = '';
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

/** The middle value (the upper middle for an even count). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * An open-loop load generator for latency at a fixed rate: requests leave on a schedule (rate per
 * second, spread evenly over 1 ms ticks) whether or not earlier ones have returned, over keep-alive
 * connections, and each latency is measured from the request's scheduled time, so a stalled server
 * cannot hide its stall (no coordinated omission). Bounded by `seconds` and rate × seconds requests.
 *
 * It speaks HTTP/1.1 over raw sockets with the request bytes built once and a minimal response
 * reader (status line, Content-Length or chunked), because it shares the machine with the server
 * under test: node:http's client spent more CPU per 16 KiB request than the echo server it was
 * measuring. autocannon's fixed-rate modes send in bursts whose queueing shows up as tail latency
 * even against a bare echo server; this does not.
 */
export async function openLoop({
  url,
  body,
  contentType = 'application/json',
  headers = {},
  rate,
  seconds,
  expectStatus = (s) => s >= 200 && s < 300,
  maxSockets = 256,
}) {
  const { connect } = await import('node:net');
  const target = new URL(url);
  const payload = Buffer.from(body);
  const head = [
    `POST ${target.pathname}${target.search} HTTP/1.1`,
    `host: ${target.host}`,
    `content-type: ${contentType}`,
    `content-length: ${payload.length}`,
    'x-correlation-id: bench',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    '',
    '',
  ].join('\r\n');
  const request = Buffer.concat([Buffer.from(head, 'latin1'), payload]);
  const total = Math.round(rate * seconds);
  const latencies = new Float64Array(total);
  const scheduledAt = new Float64Array(total);
  const queue = [];
  const idle = [];
  const sockets = new Set();
  let sent = 0;
  let done = 0;
  let failed = 0;
  const start = performance.now();

  return new Promise((resolve) => {
    const finish = (i, ok) => {
      if (!ok) failed++;
      latencies[i] = performance.now() - scheduledAt[i];
      if (++done === total) {
        clearInterval(timer);
        for (const s of sockets) s.destroy();
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

    /** One keep-alive connection: one request at a time, responses read with a small state machine. */
    const open = () => {
      const socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
      sockets.add(socket);
      let current = -1;
      let buf = Buffer.alloc(0);
      const next = () => {
        current = -1;
        if (queue.length > 0) send(queue.shift());
        else idle.push(socket);
      };
      const send = (i) => {
        current = i;
        socket.write(request);
      };
      socket.sendRequest = send;
      /** The length of a complete response at the start of `buf`, or -1. */
      const complete = () => {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return -1;
        const headText = buf.toString('latin1', 0, end).toLowerCase();
        const cl = /\r\ncontent-length: *(\d+)/.exec(headText);
        if (cl) return buf.length >= end + 4 + Number(cl[1]) ? end + 4 + Number(cl[1]) : -1;
        if (headText.includes('transfer-encoding: chunked')) {
          let pos = end + 4;
          for (;;) {
            const lineEnd = buf.indexOf('\r\n', pos);
            if (lineEnd < 0) return -1;
            const size = parseInt(buf.toString('latin1', pos, lineEnd), 16);
            if (size === 0) return buf.length >= lineEnd + 4 ? lineEnd + 4 : -1;
            pos = lineEnd + 2 + size + 2;
            if (pos > buf.length) return -1;
          }
        }
        return end + 4; // no body
      };
      socket.on('data', (chunk) => {
        buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
        if (current < 0) return;
        if (complete() < 0) return;
        const status = Number(buf.toString('latin1', 9, 12));
        const i = current;
        buf = Buffer.alloc(0);
        finish(i, expectStatus(status));
        next();
      });
      const lost = () => {
        sockets.delete(socket);
        const at = idle.indexOf(socket);
        if (at >= 0) idle.splice(at, 1);
        if (current >= 0) {
          const i = current;
          current = -1;
          finish(i, false);
        }
      };
      socket.on('error', lost);
      socket.on('close', lost);
      return socket;
    };

    const dispatch = (i) => {
      const socket = idle.pop();
      if (socket) socket.sendRequest(i);
      else if (sockets.size < maxSockets)
        open().once('connect', function () {
          this.sendRequest(i);
        });
      else queue.push(i);
    };

    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      while (sent < due) {
        const i = sent++;
        scheduledAt[i] = start + (i / rate) * 1000;
        dispatch(i);
      }
    }, 1);
  });
}
