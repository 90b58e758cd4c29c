/**
 * `npm run bench:lifecycle`: `spec infer` on a HAR capture of 10,000 entries (an orders API with
 * JSON bodies), against reading the same capture (JSON.parse of the file) in the same run, and
 * `spec diff` of the same capture against the inferred document. Best of three each; bounded.
 */
import { createRequire } from 'node:module';
import { ROOT, fmt } from './lib.mjs';

const require = createRequire(import.meta.url);
const { readHar, inferSpec, specDrift } = require(`${ROOT}/packages/lifecycle/dist/index.js`);

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 10_000);
let seed = 42;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const hex = (n) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
const statuses = ['pending', 'paid', 'shipped', 'cancelled'];
const order = () => ({
  id: `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
  status: statuses[Math.floor(rnd() * 4)],
  createdAt: '2026-11-20T10:00:00.000Z',
  customer: { id: Math.floor(rnd() * 1e5), email: `c${Math.floor(rnd() * 1e6)}@mail.example.org` },
  items: [
    {
      sku: `SKU-${Math.floor(rnd() * 9000 + 1000)}`,
      qty: 1 + Math.floor(rnd() * 3),
      price: Math.round(rnd() * 1e4) / 100,
    },
  ],
  total: Math.round(rnd() * 1e4) / 100,
});
const entries = [];
for (let i = 0; i < ENTRIES; i++) {
  const o = order();
  const kind = rnd();
  const [method, path, status, body] =
    kind < 0.4
      ? ['GET', `/v1/orders/${o.id}`, rnd() < 0.9 ? 200 : 404, o]
      : kind < 0.7
        ? ['GET', `/v1/orders?status=${o.status}&limit=20`, 200, { data: [o, order()], hasMore: false }]
        : kind < 0.9
          ? ['POST', '/v1/orders', 201, o]
          : ['GET', `/v1/customers/${o.customer.id}/orders`, 200, { data: [o] }];
  entries.push({
    request: {
      method,
      url: `https://api.shop.example.com${path}`,
      headers: [],
      ...(method === 'POST'
        ? { postData: { mimeType: 'application/json', text: JSON.stringify({ items: o.items }) } }
        : {}),
    },
    response: { status, content: { mimeType: 'application/json', text: JSON.stringify(body) } },
  });
}
const text = JSON.stringify({ log: { version: '1.2', entries } });

function best(fn) {
  let ms = Infinity;
  let out;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    out = fn();
    ms = Math.min(ms, performance.now() - t);
  }
  return { ms, out };
}
const parse = best(() => JSON.parse(text));
const read = best(() => readHar(text));
const infer = best(() => inferSpec(read.out));
const diff = best(() => specDrift(infer.out, read.out));
console.log(`\nHAR of ${ENTRIES} entries, ${fmt(text.length / 1048576, 1)} MiB; best of three\n`);
console.log('| step | ms | entries/s | ratio to JSON.parse of the file |');
console.log('|---|---:|---:|---:|');
for (const [name, r] of [
  ['JSON.parse of the file (baseline)', parse],
  ['readHar (parse + bodies)', read],
  ['inferSpec', infer],
  ['readHar + inferSpec (spec infer)', { ms: read.ms + infer.ms }],
  ['specDrift (spec diff)', diff],
])
  console.log(`| ${name} | ${fmt(r.ms, 0)} | ${fmt((ENTRIES / r.ms) * 1000, 0)} | ${fmt(r.ms / parse.ms, 1)} |`);
console.log(
  `\npaths: ${Object.keys(infer.out.paths).join(', ')}; drift findings on the same traffic: ${diff.out.length}`,
);
