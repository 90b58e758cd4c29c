/**
 * The rule tester (ESLint's RuleTester and Spectral's testRule in one): table cases with the
 * expected line, column and message, the rule's fixture folders, and checks on the table itself.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateSources, type ValidateOptions } from '../engine';
import type { Diagnostic, Rule } from '../types';

export interface Case {
  name: string;
  /** File name (its extension decides how it is read: .xml or .j2). */
  file?: string;
  code: string;
  /** Other files validated with it (a .j2's specification, referenced artefacts). */
  with?: Record<string, string>;
  options?: ValidateOptions;
}

export interface InvalidCase extends Case {
  errors: Array<{ line: number; column: number; message?: RegExp | string; severity?: Diagnostic['severity'] }>;
}

function run(rule: Rule, c: Case): Diagnostic[] {
  const file = c.file ?? `${c.name.replace(/[^\w-]+/g, '-')}.xml`;
  const sources = [{ file, source: c.code }, ...Object.entries(c.with ?? {}).map(([f, s]) => ({ file: f, source: s }))];
  return validateSources(sources, c.options).filter((d) => d.ruleId === rule.meta.id && d.file === file);
}

export function testRule(rule: Rule, cases: { valid: Case[]; invalid: InvalidCase[] }): void {
  const names = [...cases.valid, ...cases.invalid].map((c) => c.name);
  const codes = [...cases.valid, ...cases.invalid].map((c) => `${c.file ?? ''}\n${c.code}`);

  describe(rule.meta.id, () => {
    it('has a test table without duplicates, with both valid and invalid cases', () => {
      expect(new Set(names).size).toBe(names.length);
      expect(new Set(codes).size).toBe(codes.length);
      expect(cases.valid.length).toBeGreaterThan(0);
      expect(cases.invalid.length).toBeGreaterThan(0);
      for (const c of cases.invalid) expect(c.errors.length).toBeGreaterThan(0);
    });

    it.each(cases.valid.map((c) => [c.name, c] as const))('accepts: %s', (_, c) => {
      expect(run(rule, c)).toEqual([]);
    });

    it.each(cases.invalid.map((c) => [c.name, c] as const))('reports: %s', (_, c) => {
      const found = run(rule, c);
      expect(found.map((d) => ({ line: d.line, column: d.column }))).toEqual(
        c.errors.map((e) => ({ line: e.line, column: e.column })),
      );
      c.errors.forEach((e, i) => {
        const d = found[i]!;
        if (e.message !== undefined) expect(d.message).toMatch(e.message);
        expect(d.severity).toBe(e.severity ?? rule.meta.severity);
        expect(d.hint.length).toBeGreaterThan(5);
      });
    });

    it('reports the fixtures in fixtures/invalid and nothing in fixtures/valid', () => {
      const dir = join(__dirname, '../rules', rule.meta.id, 'fixtures');
      for (const kind of ['valid', 'invalid'] as const) {
        const files = readdirSync(join(dir, kind)).map((f) => join(dir, kind, f));
        const sources = files.map((f) => ({ file: f, source: readFileSync(f, 'utf8') }));
        const options: ValidateOptions =
          rule.meta.id === 'sidecar-policy-exists' ? { sidecarPolicies: new Set(['redact-pii']) } : {};
        const found = validateSources(sources, options).filter((d) => d.ruleId === rule.meta.id);
        const documents = files.filter((f) => f.endsWith('.xml') || f.endsWith('.j2'));
        if (kind === 'valid') expect(found).toEqual([]);
        else expect(documents.filter((f) => !found.some((d) => d.file === f)).length).toBeLessThan(documents.length);
      }
    });
  });
}

/** A sequence whose body starts on line 2 (so a mediator on the first body line is at 2:5). */
export function seq(body: string, attrs = 'name="s" onError="fault"'): string {
  return `<sequence xmlns="http://ws.apache.org/ns/synapse" ${attrs}>\n${body
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')}\n</sequence>\n`;
}

export const SPEC = (name: string, attrs: string[] = [], flows = ['request']): string =>
  JSON.stringify({
    name,
    version: 'v1',
    displayName: name,
    applicableFlows: flows,
    supportedGateways: ['Synapse'],
    supportedApiTypes: ['HTTP'],
    policyAttributes: attrs.map((a) => ({ name: a, type: 'String' })),
  });
