/**
 * `npm run bench:redact`: MB/s of @synapse-ai/redact with the full detector set on 1 KiB, 16 KiB and
 * 64 KiB JSON payloads built from the labelled corpus, against the npm package redact-pii
 * (SyncRedactor over the same text) in the same run. Also prints recall of both on the corpus labels
 * of the structured types (redact-pii has no structure: a label counts when its value is gone from the output).
 * Then the sidecar-level figures of `npm run bench` (policy-figures.mjs) in the same run.
 * Bounded: each payload gets BENCH_MS (default 3000) ms per library, in five rounds of at most 20,000 calls;
 * each sidecar-level run BENCH_SECONDS (default 5) s.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fmt, load, median, orderJson, ROOT, startServer } from './lib.mjs';
import { policyFigures } from './policy-figures.mjs';

const require = createRequire(import.meta.url);
const { redact, STRUCTURED_TYPES: STRUCTURED } = require(`${ROOT}/packages/redact/dist/index.js`);
const { SyncRedactor } = require('redact-pii');

const BENCH_MS = Number(process.env.BENCH_MS ?? 3000);
const records = readFileSync(join(ROOT, 'packages/redact/eval/corpus.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const jsonRecords = records.filter((r) => r.format === 'json');

/**
 * A realistic API payload of about `bytes` bytes: orders whose customer block carries personal data
 * (name, email, phone, address, card) among ids, SKUs, quantities, prices, statuses and descriptions.
 */
function ordersPayload(bytes) {
  const orders = [];
  let size = 2;
  for (let i = 0; size < bytes; i++) {
    const r = JSON.parse(jsonRecords[i % jsonRecords.length].body);
    const order = {
      orderId: `ORD-2026-${String(100000 + i)}`,
      status: ['OPEN', 'PAID', 'SHIPPED'][i % 3],
      createdAt: '2026-11-02T10:15:00Z',
      customer: {
        id: r.customer.id,
        name: `${r.customer.firstName} ${r.customer.lastName}`,
        email: r.customer.email,
        phone: r.customer.phone,
        address: r.customer.address,
      },
      payment: { method: 'card', card: r.payment.card, amount: 129.5 + i, currency: 'EUR' },
      items: [
        {
          sku: `SKU-${1000 + i}`,
          name: 'Wireless keyboard, compact layout',
          qty: 1,
          price: 49.9,
          tags: ['electronics', 'office'],
        },
        { sku: `SKU-${2000 + i}`, name: 'USB-C cable 2 m', qty: 2, price: 9.95, tags: ['accessories'] },
        { sku: `SKU-${3000 + i}`, name: 'Laptop stand, aluminium', qty: 1, price: 59.0, tags: ['office'] },
      ],
      shipping: {
        carrier: 'DHL',
        service: 'express',
        tracking: `JD01460000${String(i).padStart(8, '0')}`,
        eta: '2026-11-05',
      },
      notes: 'Leave at the front desk if nobody answers.',
    };
    orders.push(order);
    size += JSON.stringify(order).length + 1;
  }
  return JSON.stringify({ orders });
}

/** A JSON array of corpus payloads of about `bytes` bytes: every field personal data (worst case). */
function payload(bytes) {
  const items = [];
  let size = 2;
  for (let i = 0; size < bytes; i++) {
    const item = JSON.parse(jsonRecords[i % jsonRecords.length].body);
    items.push(item);
    size += JSON.stringify(item).length + 1;
  }
  let text = JSON.stringify(items);
  // trim to the size asked for when one record overshoots a small target
  while (text.length > bytes * 1.5 && items.length > 1) {
    items.pop();
    text = JSON.stringify(items);
  }
  return text.length > bytes * 1.5 ? JSON.stringify(JSON.parse(jsonRecords[0].body).customer) : text;
}

/** MB/s of `fn` on `input` over `ms` milliseconds (at most 20,000 calls). */
function rate(fn, input, ms) {
  const bytes = Buffer.byteLength(input);
  const start = performance.now();
  let n = 0;
  let elapsed = 0;
  while (n < 20_000 && (elapsed = performance.now() - start) < ms) {
    fn(input);
    n++;
  }
  return (bytes * n) / (elapsed / 1000) / (1024 * 1024);
}

/**
 * Both libraries in alternating rounds (this machine is shared: a burst of load hits both alike);
 * the medians of the rounds are reported, and the ratio is the median of the per-round ratios.
 */
function compare(input) {
  const rounds = 5;
  const ms = BENCH_MS / rounds;
  ours(input);
  theirs(input);
  const a = [];
  const b = [];
  for (let r = 0; r < rounds; r++) {
    a.push(rate(ours, input, ms));
    b.push(rate(theirs, input, ms));
  }
  return { ours: median(a), theirs: median(b), ratio: median(a.map((x, i) => x / b[i])) };
}

const redactor = new SyncRedactor();
const ours = (s) => redact(s, { contentType: 'application/json' });
const theirs = (s) => redactor.redact(s);

console.log(
  `\nMB/s (MiB of input per second), single process, ${BENCH_MS} ms per payload in ${5} alternating rounds (medians)\n`,
);
console.log('| payload | bytes | synapse-ai MB/s | redact-pii MB/s | ratio |');
console.log('|---|---:|---:|---:|---:|');
let slowest = Infinity;
let slowestRatio = Infinity;
for (const [label, size] of [
  ['1 KiB', 1024],
  ['16 KiB', 16 * 1024],
  ['64 KiB', 64 * 1024],
]) {
  const body = ordersPayload(size);
  const r = compare(body);
  slowest = Math.min(slowest, r.ours);
  slowestRatio = Math.min(slowestRatio, r.ratio);
  console.log(
    `| orders JSON ${label} | ${Buffer.byteLength(body)} | ${fmt(r.ours)} | ${fmt(r.theirs)} | ${fmt(r.ratio, 1)} |`,
  );
}
for (const [label, size] of [['16 KiB', 16 * 1024]]) {
  const body = payload(size);
  const r = compare(body);
  console.log(
    `| PII-dense corpus JSON ${label} (worst case, not in the target) | ${Buffer.byteLength(body)} | ${fmt(r.ours)} | ${fmt(r.theirs)} | ${fmt(r.ratio, 1)} |`,
  );
}

// recall on the structured types, by whether each labelled value survives in the output
const found = { ours: {}, theirs: {}, total: {} };
for (const r of records.filter((x) => x.format === 'text')) {
  const a = redact(r.body, { contentType: 'text/plain' }).body;
  const b = redactor.redact(r.body);
  for (const l of r.labels) {
    if (!STRUCTURED.includes(l.type)) continue;
    const value = r.body.slice(l.start, l.end);
    found.total[l.type] = (found.total[l.type] ?? 0) + 1;
    if (!a.includes(value)) found.ours[l.type] = (found.ours[l.type] ?? 0) + 1;
    if (!b.includes(value)) found.theirs[l.type] = (found.theirs[l.type] ?? 0) + 1;
  }
}
console.log('\nrecall on the text payloads of the corpus (value removed from the output):\n');
console.log('| type | labels | synapse-ai | redact-pii |');
console.log('|---|---:|---:|---:|');
for (const t of Object.keys(found.total).sort()) {
  const n = found.total[t];
  console.log(`| ${t} | ${n} | ${fmt((found.ours[t] ?? 0) / n, 2)} | ${fmt((found.theirs[t] ?? 0) / n, 2)} |`);
}
// The target is 60 MB/s on this machine at its normal speed, where redact-pii runs at about 11 MB/s on
// these payloads (docs/benchmarks.md, every run since 2026-11-22): the machines are shared and their
// speed drifts several-fold, so the verdict is read from the ratio measured in this run (60 / 11).
const TARGET_MBS = 60;
const REDACT_PII_NORMAL_MBS = 11;
const TARGET_RATIO = TARGET_MBS / REDACT_PII_NORMAL_MBS;
console.log(
  `\nslowest orders payload: ${fmt(slowest)} MB/s, ${fmt(slowestRatio, 2)} times redact-pii in the same rounds ` +
    `(= ${fmt(slowestRatio * REDACT_PII_NORMAL_MBS)} MB/s at the machine's normal speed, where redact-pii runs at ` +
    `${REDACT_PII_NORMAL_MBS} MB/s; target >= ${TARGET_MBS} MB/s, i.e. a ratio >= ${fmt(TARGET_RATIO, 2)})`,
);
const libraryMet = slowestRatio >= TARGET_RATIO;

// the sidecar-level figures in the same run (as `npm run bench` prints them)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const sidecar = await startServer(['packages/cli/bin/synapse-ai.js', 'serve', '--port', '0'], {
  SAI_LOG_LEVEL: 'warn',
});
let sidecarMet = false;
try {
  const order = orderJson(1024);
  await load({ url: `${sidecar.url}/v1/policies/echo`, body: order, seconds: 2 });
  sidecarMet = await policyFigures(sidecar.url, order, SECONDS);
} finally {
  await sidecar.stop();
}
const met = libraryMet && sidecarMet;
console.log(met ? 'targets met' : 'TARGETS MISSED');
process.exitCode = met ? 0 : 1;
