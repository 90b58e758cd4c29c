/**
 * @fileoverview Formatters are pure functions of the diagnostics: `stylish` for people, `json` for
 * scripts, `junit` and `sarif` for CI systems (SARIF 2.1.0 with rules described from their
 * metadata, so GitHub code scanning shows them).
 */
import { el, text as xmlText, writeXml } from '@synapse-ai/synapse';
import { RULES } from '../rules';
import { SEVERITY_RANK, type Diagnostic, type Severity } from '../types';

export interface FormatContext {
  /** Number of files validated (clean ones included). */
  files: readonly string[];
  version: string;
  /** Turns a diagnostic's file into the path to print (relative to the working directory). */
  display?: (file: string) => string;
}

export type Formatter = (diagnostics: readonly Diagnostic[], ctx: FormatContext) => string;

function counts(list: readonly Diagnostic[]): Record<Severity, number> {
  const c: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const d of list) c[d.severity]++;
  return c;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export const stylish: Formatter = (diagnostics, ctx) => {
  const show = ctx.display ?? ((f: string) => f);
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
  let out = '';
  for (const [file, list] of byFile) {
    out += `\n${show(file)}\n`;
    const width = Math.max(...list.map((d) => `${d.line}:${d.column}`.length));
    for (const d of list) {
      out += `  ${`${d.line}:${d.column}`.padEnd(width)}  ${d.severity.padEnd(7)}  ${d.message}  ${d.ruleId}\n`;
      out += `  ${' '.repeat(width)}  ${' '.repeat(7)}  ↳ ${d.hint}\n`;
    }
  }
  const c = counts(diagnostics);
  const total = c.error + c.warning + c.info;
  out +=
    total === 0
      ? `✔ ${plural(ctx.files.length, 'file')} validated, no problems\n`
      : `\n✖ ${plural(total, 'problem')} (${plural(c.error, 'error')}, ${plural(c.warning, 'warning')}, ${c.info} info) in ${plural(byFile.size, 'file')} of ${ctx.files.length}\n`;
  return out;
};

export const json: Formatter = (diagnostics, ctx) => {
  const show = ctx.display ?? ((f: string) => f);
  return `${JSON.stringify(
    {
      tool: 'synapse-ai validate',
      version: ctx.version,
      files: ctx.files.length,
      summary: counts(diagnostics),
      diagnostics: diagnostics.map((d) => ({ ...d, file: show(d.file) })),
    },
    null,
    2,
  )}\n`;
};

export const junit: Formatter = (diagnostics, ctx) => {
  const show = ctx.display ?? ((f: string) => f);
  const byFile = new Map<string, Diagnostic[]>(ctx.files.map((f) => [f, []]));
  for (const d of diagnostics) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
  const suites = [...byFile].map(([file, list]) => {
    const cases =
      list.length === 0
        ? [el('testcase', { classname: show(file), name: 'synapse-ai validate', time: '0' })]
        : list.map((d) =>
            el(
              'testcase',
              { classname: show(file), name: `${d.ruleId} at ${d.line}:${d.column}`, time: '0' },
              el(
                'failure',
                { message: d.message, type: d.severity },
                xmlText(
                  `${d.severity}: ${d.message}\nat ${show(file)}:${d.line}:${d.column}\nrule: ${d.ruleId}\nfix: ${d.hint}`,
                ),
              ),
            ),
          );
    return el(
      'testsuite',
      { name: show(file), tests: cases.length, failures: list.length, errors: 0, skipped: 0, time: '0' },
      cases,
    );
  });
  const tests = suites.reduce((n, s) => n + s.children.length, 0);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    writeXml(
      el(
        'testsuites',
        { name: 'synapse-ai validate', tests, failures: diagnostics.length, errors: 0, time: '0' },
        suites,
      ),
    )
  );
};

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
};
/** Where each rule's documentation lives in the repository (SARIF viewers show it as text). */
const docsPath = (id: string): string => `packages/validator/src/rules/${id}/README.md`;

export const sarif: Formatter = (diagnostics, ctx) => {
  const show = ctx.display ?? ((f: string) => f);
  const used = new Set(diagnostics.map((d) => d.ruleId));
  const rules = RULES.map((r) => ({
    id: r.meta.id,
    name: r.meta.id
      .split('-')
      .map((p, i) => (i === 0 ? p : p.charAt(0).toUpperCase() + p.slice(1)))
      .join(''),
    shortDescription: { text: r.meta.description },
    fullDescription: { text: `${r.meta.description} ${r.meta.hint}` },
    help: { text: `${r.meta.hint} Documentation: ${docsPath(r.meta.id)}.` },
    defaultConfiguration: { level: SARIF_LEVEL[r.meta.severity] },
  }));
  if (used.has('xsd')) {
    rules.push({
      id: 'xsd',
      name: 'xsd',
      shortDescription: { text: 'The file validates against the XML Schema set given with --xsd.' },
      fullDescription: { text: 'The file validates against the XML Schema set given with --xsd.' },
      help: { text: 'Compare the element with the schema.' },
      defaultConfiguration: { level: 'error' },
    });
  }
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'synapse-ai validate',
            version: ctx.version,
            rules,
          },
        },
        results: diagnostics.map((d) => ({
          ruleId: d.ruleId,
          ruleIndex: index.get(d.ruleId) ?? 0,
          level: SARIF_LEVEL[d.severity],
          message: { text: `${d.message} ${d.hint}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: encodeURI(show(d.file)) },
                region: { startLine: d.line, startColumn: d.column },
              },
            },
          ],
        })),
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
};

export const FORMATTERS: Record<string, Formatter> = { stylish, json, junit, sarif };

/** Whether any diagnostic is at or above the given severity. */
export function failsAt(diagnostics: readonly Diagnostic[], severity: Severity): boolean {
  return diagnostics.some((d) => SEVERITY_RANK[d.severity] >= SEVERITY_RANK[severity]);
}
