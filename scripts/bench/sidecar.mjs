/**
 * `npm run bench`: the sidecar's `echo` policy against a raw node:http echo, both driven by
 * autocannon from this process on loopback with a 1 KiB JSON body and 50 connections.
 * Prints requests/s and p50/p99 for each, the ratio, and the sidecar's p99 at a fixed 2,000 req/s.
 * Then the sidecar-level policy figures of the same run: redact-pii on a 1 KiB order (JSON and XML)
 * against the sidecar's echo and against a node:http server calling the npm package redact-pii,
 * and json-to-xml / xml-to-json against echo.
 * Bounded: every run has a duration; the fixed-rate run also has a request count.
 */
import { fmt, load, orderJson, startServer } from './lib.mjs';
import { policyFigures } from './policy-figures.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const body = orderJson(1024);

const raw = await startServer(['scripts/bench/raw-echo.mjs']);
const sidecar = await startServer(['packages/cli/bin/synapse-ai.js', 'serve', '--port', '0'], {
  SAI_LOG_LEVEL: 'warn',
});
try {
  const echoUrl = `${sidecar.url}/v1/policies/echo`;
  // warm both up (JIT), then measure alternately so drift on a shared machine hits both
  await load({ url: raw.url, body, seconds: 2 });
  await load({ url: echoUrl, body, seconds: 2 });
  const rawMax = await load({ url: raw.url, body, seconds: SECONDS });
  const sideMax = await load({ url: echoUrl, body, seconds: SECONDS });
  const fixed = await load({ url: echoUrl, body, seconds: SECONDS, rate: 2000, amount: 2000 * SECONDS });
  const rawFixed = await load({ url: raw.url, body, seconds: SECONDS, rate: 2000, amount: 2000 * SECONDS });

  const ratio = sideMax.rps / rawMax.rps;
  const rows = [
    ['raw node:http echo (baseline)', rawMax],
    ['sidecar POST /v1/policies/echo', sideMax],
  ];
  console.log(
    `\nbody ${Buffer.byteLength(body)} bytes JSON, 50 connections, ${SECONDS} s per run, load generator on the same machine\n`,
  );
  console.log('| target | req/s | p50 ms | p99 ms |');
  console.log('|---|---:|---:|---:|');
  for (const [name, r] of rows) console.log(`| ${name} | ${fmt(r.rps, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} |`);
  console.log(`\nratio sidecar/raw requests/s: ${fmt(ratio, 2)} (target >= 0.40)`);
  console.log(
    `at a fixed 2000 req/s: sidecar p50 ${fmt(fixed.p50)} ms, p99 ${fmt(fixed.p99)} ms (target p99 <= 10 ms); raw p99 ${fmt(rawFixed.p99)} ms; achieved ${fmt(fixed.rps, 0)} req/s`,
  );
  const echoOk = ratio >= 0.4 && fixed.p99 <= 10;

  const policiesOk = await policyFigures(sidecar.url, body, SECONDS);
  const ok = echoOk && policiesOk;
  console.log(ok ? 'targets met' : 'TARGETS MISSED');
  process.exitCode = ok ? 0 : 1;
} finally {
  await Promise.all([raw.stop(), sidecar.stop()]);
}
