/**
 * The validator against the real WSO2 engine's verdicts on real WSO2 files (1,585 Micro Integrator
 * integration-test artefacts in corpus/mi-integration, and ../shared/synapse-corpus): no error on a
 * file the engine builds, at least one on a file it rejects for a reason in the file. The verdicts
 * are the engine's (scripts/__tests__/validatorEngine.test.ts checks them against it).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { validatePaths } from '..';
import type { Diagnostic } from '../types';
import { MI_CORPUS, MI_VERDICTS, SHARED_CORPUS, readVerdicts, type VerdictEntry } from './engine/verdicts';

const sharedPresent = existsSync(join(SHARED_CORPUS, 'engine-verdicts.json'));
if (!sharedPresent && process.env.CI)
  throw new Error(`${SHARED_CORPUS} is missing: CI must have ../shared beside the clone`);

async function errorsByFile(root: string, entries: VerdictEntry[]): Promise<Map<string, Diagnostic[]>> {
  const { diagnostics } = await validatePaths(entries.map((e) => join(root, e.file)));
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) {
    if (d.severity !== 'error') continue;
    const list = byFile.get(d.file) ?? [];
    list.push(d);
    byFile.set(d.file, list);
  }
  return byFile;
}

function report(
  root: string,
  entries: VerdictEntry[],
  byFile: Map<string, Diagnostic[]>,
): { falseErrors: string[]; missed: string[] } {
  const falseErrors: string[] = [];
  const missed: string[] = [];
  for (const e of entries) {
    const errs = byFile.get(join(root, e.file)) ?? [];
    if (e.verdict === 'builds' && errs.length > 0) {
      falseErrors.push(
        `${e.file}: ${errs
          .slice(0, 2)
          .map((d) => `${d.ruleId}@${d.line}:${d.column} ${d.message}`)
          .join(' | ')}`,
      );
    }
    if (e.verdict === 'rejected' && errs.length === 0) missed.push(`${e.file} (engine: ${e.error ?? ''})`);
  }
  return { falseErrors, missed };
}

describe('the validator against the engine on real WSO2 files', () => {
  const mi = readVerdicts(MI_VERDICTS);

  it('has the Micro Integrator corpus with every verdict kind', () => {
    expect(mi.filter((e) => e.verdict === 'builds').length).toBeGreaterThan(1400);
    expect(mi.filter((e) => e.verdict === 'rejected').length).toBeGreaterThan(0);
    expect(existsSync(MI_CORPUS)).toBe(true);
  });

  it('raises no error on a file the engine builds, and one on every file it rejects (corpus/mi-integration)', async () => {
    const { falseErrors, missed } = report(MI_CORPUS, mi, await errorsByFile(MI_CORPUS, mi));
    expect({ falseErrors: falseErrors.slice(0, 25), falseErrorCount: falseErrors.length, missed }).toEqual({
      falseErrors: [],
      falseErrorCount: 0,
      missed: [],
    });
  }, 120_000);

  (sharedPresent ? it : it.skip)(
    `does the same on ../shared/synapse-corpus${sharedPresent ? '' : ' — not run: ../shared is not beside this clone'}`,
    async () => {
      const shared = readVerdicts(join(SHARED_CORPUS, 'engine-verdicts.json'));
      const { falseErrors, missed } = report(SHARED_CORPUS, shared, await errorsByFile(SHARED_CORPUS, shared));
      expect({ falseErrors, missed }).toEqual({ falseErrors: [], missed: [] });
    },
    120_000,
  );
});
