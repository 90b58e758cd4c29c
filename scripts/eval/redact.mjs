/**
 * `npm run eval:redact`: precision, recall, F2 and the leak rate per type of @synapse-ai/redact over
 * two labelled sets, and payload integrity of every redacted output (JSON parses with the same keys;
 * XML is well-formed with the same element tree):
 * 1. the project's own corpus (packages/redact/eval/corpus.jsonl, written by
 *    scripts/eval/generate-redact-corpus.mjs): proves the detectors do what they were written to do;
 * 2. an independent set of values the project did not write (scripts/eval/independent.mjs: faker,
 *    libphonenumber's example numbers, secretlint's fixtures).
 * A finding counts as a true positive when it has the label's type and path and overlaps its span
 * (for secretlint's fixtures any secret type counts: their ranges carry no type). A label leaks when
 * its value is still in the redacted output.
 * Exits 1 when, on the own corpus, a structured type falls below 0.95 precision or recall, or a
 * payload breaks in either set. The independent set's figures are reported, with its targets
 * (recall >= 0.95, precision >= 0.97, leaks <= 3 %), without failing the run.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from '../bench/lib.mjs';
import { independentSet } from './independent.mjs';

const require = createRequire(import.meta.url);
const { redact, detect, STRUCTURED_TYPES: STRUCTURED } = require(`${ROOT}/packages/redact/dist/index.js`);
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

const SECRET_TYPES = new Set(['SECRET', 'CREDENTIAL_URL', 'PRIVATE_KEY']);

/** Whether a labelled value survives redaction (its text, as JSON or XML writes it, is still in the output). */
function leaked(r, label, output) {
  // the own corpus labels JSON and XML values by path and offsets in the value: there a label leaks
  // when it is missed (see evaluate)
  if (label.value === undefined && r.format !== 'text') return undefined;
  const value = label.value ?? r.body.slice(label.start, label.end);
  if (label.type === 'SECRET*') {
    // the tail of the reported range is inside the secret whatever the range starts with
    const tail = value.replace(/[^A-Za-z0-9+/=_-]+$/, '').slice(-12);
    return tail.length >= 6 && output.includes(tail);
  }
  const forms = [value, JSON.stringify(value).slice(1, -1), value.replace(/&/g, '&amp;').replace(/</g, '&lt;')];
  return forms.some((v) => v.length >= 4 && output.includes(v));
}

function evaluate(records) {
  const stats = new Map();
  const stat = (type) => {
    if (!stats.has(type)) stats.set(type, { tp: 0, fp: 0, fn: 0, leaked: 0 });
    return stats.get(type);
  };
  let broken = 0;
  const problems = [];
  let total = 0;
  let leaks = 0;

  for (const r of records) {
    const result = redact(r.body, { contentType: CONTENT_TYPES[r.format] });
    // secret-scanner fixtures are files: their ranges are offsets in the whole text, as detect() gives them
    if (r.secretsOnly)
      // (they label secrets only: other findings, an email in a key file, are not counted)
      result.findings = detect(r.body)
        .filter((f) => SECRET_TYPES.has(f.type))
        .map((f) => ({ ...f, type: 'SECRET*', path: '' }));
    const leakUnknown = new Set();
    for (const label of r.labels) {
      total++;
      const leak = leaked(r, label, result.body);
      if (leak === undefined) leakUnknown.add(label);
      else if (leak) {
        stat(label.type).leaked++;
        leaks++;
      }
    }
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
        if (leakUnknown.has(label)) {
          stat(label.type).leaked++;
          leaks++;
        }
        if (problems.length < 40) problems.push(`${r.id}: missed ${label.type} at ${label.path || '(text)'}`);
      }
    }
    result.findings.forEach((f, idx) => {
      if (used.has(idx)) return;
      stat(f.type).fp++;
      if (problems.length < 40) problems.push(`${r.id}: false ${f.type} at ${f.path || '(text)'} (${f.detector})`);
    });
  }
  return { stats, broken, problems, total, leaks };
}

function report(title, records, result, { gate }) {
  const { stats, broken, problems, total, leaks } = result;
  const rows = [...stats.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  let ok = broken === 0;
  console.log(`\n## ${title}`);
  console.log(
    `\n${records.length} payloads (${records.filter((r) => r.format === 'json').length} JSON, ${records.filter((r) => r.format === 'xml').length} XML/SOAP, ${records.filter((r) => r.format === 'text').length} text), ${records.reduce((n, r) => n + r.labels.length, 0)} labels\n`,
  );
  console.log('| type | labels | TP | FP | FN | precision | recall | F2 | leaked |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
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
    if (gate && STRUCTURED.includes(type) && (p < 0.95 || r < 0.95)) ok = false;
    const labels = s.tp + s.fn;
    console.log(
      `| ${type} | ${labels} | ${s.tp} | ${s.fp} | ${s.fn} | ${p.toFixed(3)} | ${r.toFixed(3)} | ${f2.toFixed(3)} | ${labels === 0 ? '' : `${((100 * s.leaked) / labels).toFixed(1)} %`} |`,
    );
  }
  const P = TP / (TP + FP);
  const R = TP / (TP + FN);
  console.log(
    `| all | ${TP + FN} | ${TP} | ${FP} | ${FN} | ${P.toFixed(3)} | ${R.toFixed(3)} | ${((5 * P * R) / (4 * P + R)).toFixed(3)} | ${((100 * leaks) / total).toFixed(1)} % |`,
  );
  console.log(`\npayloads broken: ${broken} of ${records.length}; labelled values leaked: ${leaks} of ${total}`);
  if (problems.length > 0)
    console.log(
      `\nfirst problems:\n${problems
        .slice(0, 25)
        .map((p) => `  ${p}`)
        .join('\n')}`,
    );
  if (gate)
    console.log(
      ok ? '\ntargets met (structured types >= 0.95 precision and recall, no payload broken)' : '\nTARGETS MISSED',
    );
  else
    console.log(
      `\nindependent targets (recall >= 0.95, precision >= 0.97, leaks <= 3 %, nothing broken): ${R >= 0.95 && P >= 0.97 && leaks / total <= 0.03 && broken === 0 ? 'met' : 'not met'}`,
    );
  return ok;
}

const own = evaluate(records);
const ownOk = report('Own corpus (packages/redact/eval/corpus.jsonl)', records, own, { gate: true });
const independent = independentSet();
const ind = evaluate(independent);
const indOk = report('Independent set (faker, libphonenumber examples, secretlint fixtures)', independent, ind, {
  gate: false,
});
process.exitCode = ownOk && indOk ? 0 : 1;
