/**
 * `npm run bench:validate`: files/s of `synapse-ai validate` over the whole ../shared/synapse-corpus and
 * packages/validator/corpus/mi-integration
 * plus 1,000 generated sequences, in one process, beside a baseline measured in the same run:
 * reading and XML-parsing the same files with json-xml's strict reader and nothing else. Also the
 * same set with --xsd (schema validation through xmllint-wasm, batched per root schema).
 * Target: ≥ 1,000 files/s on a 2-core machine. Bounded: RUNS (default 3) runs of each.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fmt, ROOT } from './lib.mjs';

const require = createRequire(import.meta.url);
const { validatePaths, collectFiles } = require(join(ROOT, 'packages/validator/dist/index.js'));
const { readXml } = require(join(ROOT, 'packages/json-xml/dist/index.js'));
const RUNS = Math.min(Number(process.env.RUNS ?? 3), 10);
const CORPUS = join(ROOT, '../shared/synapse-corpus');
const MI_CORPUS = join(ROOT, 'packages/validator/corpus/mi-integration');
const XSD = join(ROOT, '../shared/synapse-xsd');

function sequence(i) {
  return `<sequence xmlns="http://ws.apache.org/ns/synapse" name="Gen${i}" onError="fault">
    <property name="REST_URL_POSTFIX" scope="axis2" action="remove"/>
    <log level="custom" category="INFO"><property name="step" value="${i}"/><property name="api" expression="$ctx:SYNAPSE_REST_API"/></log>
    <filter source="get-property('axis2', 'HTTP_SC')" regex="2[0-9][0-9]">
        <then>
            <payloadFactory media-type="json"><format>{"id":"$1","n":${i}}</format><args><arg evaluator="json" expression="$.order.id"/></args></payloadFactory>
            <call blocking="true"><endpoint><http method="post" uri-template="http://backend:8080/orders/{uri.var.id}"><timeout><duration>5000</duration><responseAction>fault</responseAction></timeout></http></endpoint></call>
        </then>
        <else><sequence key="Gen${(i + 1) % 1000}"/></else>
    </filter>
    <enrich><source type="body" clone="true"/><target type="property" property="saved"/></enrich>
    <respond/>
</sequence>
`;
}

const dir = mkdtempSync(join(tmpdir(), 'sai-bench-validate-'));
try {
  mkdirSync(join(dir, 'generated'));
  for (let i = 0; i < 1000; i++) writeFileSync(join(dir, 'generated', `Gen${i}.xml`), sequence(i));
  const paths = [CORPUS, MI_CORPUS, join(dir, 'generated')];
  const count = collectFiles(paths).filter((f) => f.file.endsWith('.xml') || f.file.endsWith('.j2')).length;

  const best = async (fn) => {
    let min = Infinity;
    for (let r = 0; r < RUNS; r++) {
      const t = performance.now();
      await fn();
      min = Math.min(min, performance.now() - t);
    }
    return min;
  };
  const handler = { startElement() {}, endElement() {}, text() {}, processingInstruction() {} };
  const baseline = await best(async () => {
    for (const f of collectFiles(paths)) {
      try {
        readXml(f.source.replace(/\{%[\s\S]*?%\}/g, ''), handler);
      } catch {
        /* fragments and broken files: the baseline only reads */
      }
    }
  });
  let findings = 0;
  const rules = await best(async () => {
    findings = (await validatePaths(paths)).diagnostics.length;
  });
  const withXsd = await best(async () => {
    await validatePaths(paths, { xsdDir: XSD });
  });
  const fps = (ms) => (count / ms) * 1000;
  console.log(
    `${count} files (${count - 1000} real WSO2 files from both corpora, 1000 generated), best of ${RUNS} runs`,
  );
  console.log(`  baseline: read + strict XML parse   ${fmt(baseline, 0)} ms   ${fmt(fps(baseline), 0)} files/s`);
  console.log(
    `  synapse-ai validate (all rules)     ${fmt(rules, 0)} ms   ${fmt(fps(rules), 0)} files/s   ${fmt(rules / baseline, 1)}× the baseline time   target ≥ 1000 files/s: ${fps(rules) >= 1000 ? 'met' : 'MISSED'}   (${findings} findings)`,
  );
  console.log(
    `  … with --xsd (xmllint-wasm)         ${fmt(withXsd, 0)} ms   ${fmt(fps(withXsd), 0)} files/s   target ≥ 1000 files/s: ${fps(withXsd) >= 1000 ? 'met' : 'MISSED'}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
