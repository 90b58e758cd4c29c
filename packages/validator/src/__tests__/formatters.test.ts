/** Formatters: JUnit parsed back as XML, SARIF checked against the SARIF 2.1.0 schema, JSON read back. */
import Ajv04 from 'ajv-draft-04';
import { XMLParser } from 'fast-xml-parser';
import { failsAt, FORMATTERS, RULES, validateSources, type Diagnostic } from '..';
import { seq } from './ruleTester';
// The OASIS SARIF 2.1.0 schema (final rtm.5), as shipped by Microsoft's SARIF tooling.
import sarifSchema from '@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json';

const sources = [
  { file: 'seqs/bad.xml', source: seq('<log level="verbose"/>\n<log level="full"/>') },
  { file: 'seqs/good.xml', source: seq('<drop/>', 'name="good" onError="fault"') },
  { file: 'seqs/weird & <name>.xml', source: seq('<loggg/>', 'name="weird" onError="fault"') },
];
const diagnostics: Diagnostic[] = validateSources(sources).filter((d) => d.ruleId !== 'name-matches-file');
const files = sources.map((s) => s.file);
const ctx = { files, version: '9.9.9' };

it('the fixture has errors and warnings in two of three files', () => {
  expect(diagnostics.map((d) => [d.file, d.ruleId, d.severity])).toEqual([
    ['seqs/bad.xml', 'attribute-value', 'error'],
    ['seqs/bad.xml', 'no-payload-logging', 'warning'],
    ['seqs/weird & <name>.xml', 'unknown-mediator', 'error'],
  ]);
});

describe('junit', () => {
  it('is JUnit XML with a suite per file, a failure per finding and a passing case for a clean file', () => {
    const xml = FORMATTERS.junit!(diagnostics, ctx);
    const doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      isArray: (n) => n === 'testsuite' || n === 'testcase',
    }).parse(xml) as {
      testsuites: {
        tests: string;
        failures: string;
        testsuite: Array<{
          name: string;
          failures: string;
          testcase: Array<{ name: string; failure?: { message: string; type: string } }>;
        }>;
      };
    };
    expect(doc.testsuites.failures).toBe('3');
    const suites = Object.fromEntries(doc.testsuites.testsuite.map((s) => [s.name, s]));
    expect(Object.keys(suites).sort()).toEqual([...files].sort());
    expect(suites['seqs/good.xml']!.testcase).toEqual([expect.objectContaining({ name: 'synapse-ai validate' })]);
    expect(suites['seqs/good.xml']!.testcase[0]!.failure).toBeUndefined();
    const bad = suites['seqs/bad.xml']!.testcase;
    expect(bad.map((c) => c.name)).toEqual(['attribute-value at 2:10', 'no-payload-logging at 3:10']);
    expect(bad[0]!.failure).toMatchObject({ type: 'error', message: 'level="verbose" is not allowed on <log>.' });
    expect(suites['seqs/weird & <name>.xml']!.testcase[0]!.failure?.type).toBe('error');
  });
});

describe('sarif', () => {
  const ajv = new Ajv04({ strict: false, allErrors: true, unicodeRegExp: false, validateFormats: false });
  const validate = ajv.compile(sarifSchema);

  it('validates against the SARIF 2.1.0 schema, and the check can fail', () => {
    const log = JSON.parse(FORMATTERS.sarif!(diagnostics, ctx)) as {
      runs: Array<{ results: Array<Record<string, unknown>> }>;
    };
    expect(validate(log)).toBe(true);
    log.runs[0]!.results[0]!.level = 'fatal';
    expect(validate(log)).toBe(false);
  });

  it('describes every rule from its metadata and points each result at its rule and place', () => {
    const log = JSON.parse(FORMATTERS.sarif!(diagnostics, ctx)) as {
      runs: Array<{
        tool: {
          driver: {
            rules: Array<{ id: string; shortDescription: { text: string }; defaultConfiguration: { level: string } }>;
          };
        };
        results: Array<{
          ruleId: string;
          ruleIndex: number;
          level: string;
          locations: Array<{
            physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } };
          }>;
        }>;
      }>;
    };
    const run = log.runs[0]!;
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.meta.id));
    for (const r of RULES) {
      const d = run.tool.driver.rules.find((x) => x.id === r.meta.id)!;
      expect(d.shortDescription.text).toBe(r.meta.description);
    }
    const first = run.results[0]!;
    expect(run.tool.driver.rules[first.ruleIndex]!.id).toBe(first.ruleId);
    expect(first).toMatchObject({ ruleId: 'attribute-value', level: 'error' });
    expect(first.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'seqs/bad.xml' },
      region: { startLine: 2, startColumn: 10 },
    });
    expect(run.results[1]!.level).toBe('warning');
    expect(run.results[2]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe('seqs/weird%20&%20%3Cname%3E.xml');
  });
});

describe('json and stylish', () => {
  it('json reads back with the summary and every diagnostic', () => {
    const out = JSON.parse(FORMATTERS.json!(diagnostics, ctx)) as {
      files: number;
      summary: Record<string, number>;
      diagnostics: Diagnostic[];
    };
    expect(out.files).toBe(3);
    expect(out.summary).toEqual({ error: 2, warning: 1, info: 0 });
    expect(out.diagnostics).toEqual(diagnostics);
  });

  it('stylish lists each finding with its position, rule and fix, then a summary', () => {
    const out = FORMATTERS.stylish!(diagnostics, ctx);
    expect(out).toContain('seqs/bad.xml\n  2:10  error    level="verbose" is not allowed on <log>.  attribute-value\n');
    expect(out).toMatch(/↳ Use one of: simple, headers, full, custom\./);
    expect(out).toMatch(/✖ 3 problems \(2 errors, 1 warning, 0 info\) in 2 files of 3\n$/);
    expect(FORMATTERS.stylish!([], ctx)).toBe('✔ 3 files validated, no problems\n');
  });

  it('fails at or above the chosen severity', () => {
    expect(failsAt(diagnostics, 'error')).toBe(true);
    expect(
      failsAt(
        diagnostics.filter((d) => d.severity === 'warning'),
        'error',
      ),
    ).toBe(false);
    expect(
      failsAt(
        diagnostics.filter((d) => d.severity === 'warning'),
        'warning',
      ),
    ).toBe(true);
  });
});
