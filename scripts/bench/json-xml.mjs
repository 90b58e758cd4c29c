/**
 * `npm run bench:json-xml`: MB/s of the WSO2-exact converter in both directions on 1 KiB, 16 KiB and
 * 1 MiB payloads (orders, SOAP envelopes, nested arrays), against fast-xml-parser's plain
 * conversion of the same documents in the same run (JSON.parse + XMLBuilder, XMLParser +
 * JSON.stringify), and the heap growth of converting 1 MiB. Bounded: each measurement stops after
 * BENCH_MS milliseconds (default 1500) or 20,000 iterations.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { fmt, ROOT } from './lib.mjs';

const require = createRequire(import.meta.url);
const { jsonToXml, xmlToJson } = require(`${ROOT}/packages/json-xml/dist/index.js`);
const { XMLBuilder, XMLParser } = require('fast-xml-parser');

const BENCH_MS = Number(process.env.BENCH_MS ?? 1500);
const MAX_ITERATIONS = 20_000;

function order(i) {
  return {
    orderId: `ORD-${100000 + i}`,
    status: i % 3 === 0 ? 'SHIPPED' : 'OPEN',
    customer: { id: `C-${i}`, name: `Customer ${i}`, email: `c${i}@example.com`, tier: 'gold' },
    total: 500.0 + i,
    currency: 'EUR',
    items: [
      { sku: `SKU-${i}-1`, qty: 2, price: 19.99, tags: ['a', 'b'] },
      { sku: `SKU-${i}-2`, qty: 1, price: 5.5, tags: ['c'] },
    ],
    shipping: {
      street: `${i} Main Street`,
      city: 'Colombo',
      zip: '00100',
      geo: [
        [6.9271, 79.8612],
        [6.93, 79.86],
      ],
    },
  };
}

/** JSON of about `bytes` bytes: an array of orders under a root object. */
function ordersJson(bytes) {
  const orders = [];
  let text = '';
  for (let i = 0; text.length < bytes; i++) {
    orders.push(order(i));
    text = JSON.stringify({ orders });
  }
  return text;
}

/** A SOAP envelope of about `bytes` bytes with namespaced, repeated quote elements. */
function soapXml(bytes) {
  let body = '';
  for (let i = 0; body.length < bytes - 300; i++) {
    body += `<m:quote><m:symbol>SYM${i}</m:symbol><m:last>${(152.24 + i).toFixed(2)}</m:last><m:change>-0.${i % 10}5</m:change><m:volume>00${i}</m:volume><m:note>Q&amp;A ${i}</m:note></m:quote>`;
  }
  return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><m:getQuotesResponse xmlns:m="http://services.samples/xsd">${body}</m:getQuotesResponse></soapenv:Body></soapenv:Envelope>`;
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', textNodeName: '$' });
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' });

const cases = [];
for (const [label, size] of [
  ['1 KiB', 1024],
  ['16 KiB', 16 * 1024],
  ['1 MiB', 1024 * 1024],
]) {
  // inputs are built on first use: the heap child builds only the one it measures
  const once = (make) => {
    let v;
    return () => (v ??= make());
  };
  const json = once(() => ordersJson(size));
  const orderXml = once(() => jsonToXml(json()));
  const soap = once(() => soapXml(size));
  cases.push({
    direction: 'JSON→XML',
    doc: `orders ${label}`,
    make: json,
    ours: (s) => jsonToXml(s),
    base: (s) => builder.build(JSON.parse(s)),
  });
  cases.push({
    direction: 'XML→JSON',
    doc: `orders ${label}`,
    make: orderXml,
    ours: (s) => xmlToJson(s),
    base: (s) => JSON.stringify(parser.parse(s)),
  });
  cases.push({
    direction: 'XML→JSON',
    doc: `SOAP ${label}`,
    make: soap,
    ours: (s) => xmlToJson(s),
    base: (s) => JSON.stringify(parser.parse(s)),
  });
}

function measure(fn, input) {
  const bytes = Buffer.byteLength(input);
  const start = performance.now();
  let n = 0;
  let elapsed = 0;
  while (n < MAX_ITERATIONS && (elapsed = performance.now() - start) < BENCH_MS) {
    fn(input);
    n++;
  }
  return (bytes * n) / (elapsed / 1000) / (1024 * 1024);
}

/**
 * Heap growth of converting 1 MiB, measured as V8 sees it: the smallest old-generation limit
 * (--max-old-space-size, in MiB, young generation 1 MiB) under which a child process can build the
 * input and convert it three times, minus the smallest limit under which it can only build the input.
 * A limit too small makes the child die with "heap out of memory", so the figure is a bound, not an estimate.
 */
function childSucceeds(caseIndex, file, limitMb) {
  try {
    execFileSync(
      process.execPath,
      [
        `--max-old-space-size=${limitMb}`,
        '--max-semi-space-size=1',
        fileURLToPath(import.meta.url),
        '--heap',
        String(caseIndex),
        file,
      ],
      { stdio: 'ignore', timeout: 60_000 },
    );
    return true;
  } catch (err) {
    if (process.env.BENCH_DEBUG) console.error(err.message);
    return false;
  }
}

function smallestLimit(caseIndex, file) {
  let lo = 2;
  let hi = 256;
  if (!childSucceeds(caseIndex, file, hi)) throw new Error(`case ${caseIndex} fails even with ${hi} MiB`);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (childSucceeds(caseIndex, file, mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

if (process.argv[2] === '--heap') {
  // child: read the input; then convert it three times unless only the baseline is asked for
  const index = Number(process.argv[3]);
  const c = cases[index >= 0 ? index : -index - 1];
  c.input = readFileSync(process.argv[4], 'utf8');
  if (index >= 0) for (let i = 0; i < 3; i++) if (c.ours(c.input).length === 0) process.exit(3);
} else {
  console.log(`\nMB/s (MiB of input per second), ${BENCH_MS} ms per measurement, alternating to share machine noise\n`);
  console.log('| direction | document | synapse-ai MB/s | fast-xml-parser MB/s | ratio |');
  console.log('|---|---|---:|---:|---:|');
  let worst = Infinity;
  for (const c of cases) {
    c.input = c.make();
    // warm up both, then measure twice each, alternating, and keep the better run of each
    c.ours(c.input);
    c.base(c.input);
    const ours = Math.max(measure(c.ours, c.input), 0);
    const base = measure(c.base, c.input);
    const ours2 = measure(c.ours, c.input);
    const base2 = measure(c.base, c.input);
    const o = Math.max(ours, ours2);
    const b = Math.max(base, base2);
    worst = Math.min(worst, o / b);
    console.log(`| ${c.direction} | ${c.doc} | ${fmt(o)} | ${fmt(b)} | ${fmt(o / b, 2)} |`);
  }

  const heap = {};
  const dir = mkdtempSync(join(tmpdir(), 'sai-bench-'));
  cases.forEach((c, i) => {
    if (!c.doc.endsWith('1 MiB')) return;
    const file = join(dir, `case-${i}`);
    writeFileSync(file, c.input);
    heap[`${c.direction} ${c.doc}`] = smallestLimit(i, file) - smallestLimit(-i - 1, file);
  });
  rmSync(dir, { recursive: true, force: true });
  console.log(
    '\nheap growth converting 1 MiB (smallest old-space limit that converts, minus the one that only reads the input):',
  );
  for (const [k, v] of Object.entries(heap)) console.log(`  ${k}: ${v} MiB (target < 20 MiB)`);
  const heapOk = Object.values(heap).every((v) => v < 20);
  console.log(`\nworst ratio ${fmt(worst, 2)} (target >= 1.00)`);
  console.log(worst >= 1 && heapOk ? 'targets met' : 'TARGETS MISSED');
  process.exitCode = worst >= 1 && heapOk ? 0 : 1;
}
