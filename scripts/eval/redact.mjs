/**
 * `npm run eval:redact`: precision, recall and F2 per type of @synapse-ai/redact over the labelled
 * corpus in packages/redact/eval/corpus.jsonl, and payload integrity of every redacted output (JSON
 * parses with the same keys; XML is well-formed with the same element tree).
 * A finding counts as a true positive when it has the label's type and path and overlaps its span.
 * Exits 1 when a structured type falls below 0.95 precision or recall, or a payload breaks.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from '../bench/lib.mjs';

const require = createRequire(import.meta.url);
const { redact, STRUCTURED_TYPES: STRUCTURED } = require(`${ROOT}/packages/redact/dist/index.js`);
const { readXml } = require(`${ROOT}/packages/json-xml/dist/index.js`);

const CONTENT_TYPES = { json: 'application/json', xml: 'application/xml', text: 'text/plain' };

const records = readFileSync(join(ROOT, 'packages/redact/eval/corpus.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));

function keysOf(value, prefix = '') {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [
    `${prefix}/${Array.isArray(value) ? '#' : k}`,
    ...keysOf(v, `${prefix}/${Array.isArray(value) ? '#' : k}`),
  ]);
}
function elementTree(xml) {
  const out = [];
  readXml(xml, {
    startElement(q, _p, _l, _u, _a, _d, ordered) {
      out.push(`<${q} ${ordered.map(([n]) => n).join(' ')}>`);
    },
    endElement() {
      out.push('</>');
    },
    text() {},
    processingInstruction() {},
  });
  return out.join('');
}

const stats = new Map();
const stat = (type) => {
  if (!stats.has(type)) stats.set(type, { tp: 0, fp: 0, fn: 0 });
  return stats.get(type);
};
let broken = 0;
const problems = [];

for (const r of records) {
  const result = redact(r.body, { contentType: CONTENT_TYPES[r.format] });
  // payload integrity
  try {
    if (r.format === 'json') {
      const before = keysOf(JSON.parse(r.body)).join('\n');
      const after = keysOf(JSON.parse(result.body)).join('\n');
      if (before !== after) throw new Error('keys changed');
    } else if (r.format === 'xml') {
      if (elementTree(r.body) !== elementTree(result.body)) throw new Error('element tree changed');
    }
  } catch (err) {
    broken++;
    problems.push(`${r.id}: payload broken (${err.message})`);
  }
  // matching
  const used = new Set();
  for (const label of r.labels) {
    const path = label.path || undefined;
    const i = result.findings.findIndex(
      (f, idx) =>
        !used.has(idx) &&
        f.type === label.type &&
        (f.path ?? undefined) === (path ?? (r.format === 'text' ? '' : undefined)) &&
        f.start < label.end &&
        label.start < f.end,
    );
    const j =
      i >= 0
        ? i
        : result.findings.findIndex(
            (f, idx) =>
              !used.has(idx) &&
              f.type === label.type &&
              (f.path || '') === (label.path || '') &&
              f.start < label.end &&
              label.start < f.end,
          );
    if (j >= 0) {
      used.add(j);
      stat(label.type).tp++;
    } else {
      stat(label.type).fn++;
      if (problems.length < 40) problems.push(`${r.id}: missed ${label.type} at ${label.path || '(text)'}`);
    }
  }
  result.findings.forEach((f, idx) => {
    if (used.has(idx)) return;
    stat(f.type).fp++;
    if (problems.length < 40) problems.push(`${r.id}: false ${f.type} at ${f.path || '(text)'} (${f.detector})`);
  });
}

const rows = [...stats.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
let ok = broken === 0;
console.log(
  `\n${records.length} payloads (${records.filter((r) => r.format === 'json').length} JSON, ${records.filter((r) => r.format === 'xml').length} XML/SOAP, ${records.filter((r) => r.format === 'text').length} text), ${records.reduce((n, r) => n + r.labels.length, 0)} labels\n`,
);
console.log('| type | labels | TP | FP | FN | precision | recall | F2 |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
let TP = 0;
let FP = 0;
let FN = 0;
for (const [type, s] of rows) {
  const p = s.tp + s.fp === 0 ? 1 : s.tp / (s.tp + s.fp);
  const r = s.tp + s.fn === 0 ? 1 : s.tp / (s.tp + s.fn);
  const f2 = p + r === 0 ? 0 : (5 * p * r) / (4 * p + r);
  TP += s.tp;
  FP += s.fp;
  FN += s.fn;
  if (STRUCTURED.includes(type) && (p < 0.95 || r < 0.95)) ok = false;
  console.log(
    `| ${type} | ${s.tp + s.fn} | ${s.tp} | ${s.fp} | ${s.fn} | ${p.toFixed(3)} | ${r.toFixed(3)} | ${f2.toFixed(3)} |`,
  );
}
const P = TP / (TP + FP);
const R = TP / (TP + FN);
console.log(
  `| all | ${TP + FN} | ${TP} | ${FP} | ${FN} | ${P.toFixed(3)} | ${R.toFixed(3)} | ${((5 * P * R) / (4 * P + R)).toFixed(3)} |`,
);
console.log(`\npayloads broken: ${broken} of ${records.length}`);
if (problems.length > 0)
  console.log(
    `\nfirst problems:\n${problems
      .slice(0, 25)
      .map((p) => `  ${p}`)
      .join('\n')}`,
  );
console.log(
  ok ? '\ntargets met (structured types >= 0.95 precision and recall, no payload broken)' : '\nTARGETS MISSED',
);
process.exitCode = ok ? 0 : 1;
