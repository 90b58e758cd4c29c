/**
 * The sidecar-level policy figures that `npm run bench` and `npm run bench:redact` both print: on a
 * running sidecar, redact-pii on the 1 KiB order (JSON, and the same order as XML) against the
 * sidecar's echo and against a node:http server calling the npm package redact-pii
 * (raw-redact-pii.mjs), and json-to-xml / xml-to-json against echo. Each target runs right after an
 * echo run of the same body, so drift on a shared machine hits both. Bounded: every run has a duration.
 */
import { createRequire } from 'node:module';
import { fmt, load, ROOT, startServer } from './lib.mjs';

const require = createRequire(import.meta.url);
const { jsonToXml } = require(`${ROOT}/packages/json-xml/dist/index.js`);

/** Prints the table and the checks; returns whether the targets are met. */
export async function policyFigures(sidecarUrl, body, seconds) {
  const echoUrl = `${sidecarUrl}/v1/policies/echo`;
  const xml = jsonToXml(body);
  const rawRedact = await startServer(['scripts/bench/raw-redact-pii.mjs']);
  try {
    const url = (p) => `${sidecarUrl}/v1/policies/${p}`;
    const pairs = [];
    const measure = async (label, target, contentType, payload) => {
      await load({ url: target, body: payload, contentType, seconds: 1 });
      const echo = await load({ url: echoUrl, body: payload, contentType, seconds });
      const r = await load({ url: target, body: payload, contentType, seconds });
      pairs.push({ label, r, echo });
      return { r, echo };
    };
    const redactJson = await measure('sidecar redact-pii, JSON', url('redact-pii'), 'application/json', body);
    const baseJson = await measure('node:http + redact-pii (npm), JSON', rawRedact.url, 'application/json', body);
    const redactXml = await measure('sidecar redact-pii, XML', url('redact-pii'), 'application/xml', xml);
    const baseXml = await measure('node:http + redact-pii (npm), XML', rawRedact.url, 'application/xml', xml);
    const toXml = await measure('sidecar json-to-xml', url('json-to-xml'), 'application/json', body);
    const toJson = await measure('sidecar xml-to-json', url('xml-to-json'), 'application/xml', xml);
    console.log(
      `\nsidecar-level figures, 1 KiB order (${Buffer.byteLength(body)} B JSON, ${Buffer.byteLength(xml)} B XML), each beside an echo run of the same body\n`,
    );
    console.log('| target | req/s | echo req/s | ratio to echo | p99 ms |');
    console.log('|---|---:|---:|---:|---:|');
    for (const p of pairs)
      console.log(
        `| ${p.label} | ${fmt(p.r.rps, 0)} | ${fmt(p.echo.rps, 0)} | ${fmt(p.r.rps / p.echo.rps, 2)} | ${fmt(p.r.p99)} |`,
      );
    const vsBaseJson = redactJson.r.rps / baseJson.r.rps;
    const vsBaseXml = redactXml.r.rps / baseXml.r.rps;
    // the targets are set on the JSON order (the body both servers redact string by string) and on
    // json-to-xml; the XML figures are reported beside them, with the goals we hold them to
    const checks = [
      ['redact-pii JSON vs node:http + redact-pii', vsBaseJson, 2],
      ['redact-pii JSON vs echo', redactJson.r.rps / redactJson.echo.rps, 0.6],
      ['json-to-xml vs echo', toXml.r.rps / toXml.echo.rps, 0.7],
    ];
    const goals = [
      ['redact-pii XML vs node:http + redact-pii', vsBaseXml, 2],
      ['xml-to-json vs echo', toJson.r.rps / toJson.echo.rps, 0.7],
    ];
    console.log('');
    for (const [name, value, target] of checks)
      console.log(`${name}: ${fmt(value, 2)} (target >= ${target})${value >= target ? '' : ' MISSED'}`);
    for (const [name, value, goal] of goals)
      console.log(`${name}: ${fmt(value, 2)} (goal >= ${goal}, not a target)${value >= goal ? '' : ' below the goal'}`);
    return checks.every(([, v, t]) => v >= t);
  } finally {
    await rawRedact.stop();
  }
}
