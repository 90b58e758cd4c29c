/**
 * WSO2's own files (../shared/synapse-corpus): zero errors on every valid file, and each negative
 * control reported with the right rule at the right place. Also the committed generated artefacts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { validatePaths } from '..';

const CORPUS = join(__dirname, '../../../../../shared/synapse-corpus');
const MEDIATION_SEQUENCES = join(__dirname, '../../../../mediation-sequences');
const present = existsSync(CORPUS);
if (!present && process.env.CI) throw new Error(`${CORPUS} is missing: CI must have ../shared beside the clone`);

(present ? describe : describe.skip)(
  `the WSO2 corpus (../shared/synapse-corpus)${present ? '' : ' — not run: ../shared is not beside this clone (README: "The shared folder and other prerequisites")'}`,
  () => {
    // no error on what the engine builds, one on what it rejects: engineVerdicts.test.ts
    it('reads every file', async () => {
      const folders = [
        'apim-ai-policies',
        'apim-default',
        'apim-policies',
        'intsamples',
        'intsamples-api',
        'mi-samples',
        'mi-samples-api',
        'mivscode',
        'mivscode-api',
        'wso2syn',
      ];
      const { diagnostics, files } = await validatePaths(folders.map((f) => join(CORPUS, f)));
      expect(files.length).toBeGreaterThan(300);
      expect(diagnostics.some((d) => d.ruleId === 'well-formed')).toBe(false);
    });

    it.each([
      ['2-unknownmediator.xml', 'unknown-mediator', 1, 61],
      ['3-noname.xml', 'required-attribute', 1, 1],
      ['4-badloglevel.xml', 'attribute-value', 1, 66],
      ['5-classnoname.xml', 'required-attribute', 1, 61],
      ['6-wrongns.xml', 'synapse-namespace', 1, 1],
      ['7-badproperty-scope.xml', 'property-scope', 1, 90],
    ])('reports invalid/%s as %s at %i:%i, and with no other error', async (file, ruleId, line, column) => {
      const { diagnostics } = await validatePaths([join(CORPUS, 'invalid', file)]);
      expect(diagnostics.filter((d) => d.severity === 'error').map((d) => [d.ruleId, d.line, d.column])).toEqual([
        [ruleId, line, column],
      ]);
    });

    it('reports invalid/1-badmediatype.xml as a warning only (the engine builds it: Synapse falls back to its default)', async () => {
      const { diagnostics } = await validatePaths([join(CORPUS, 'invalid', '1-badmediatype.xml')]);
      expect(
        diagnostics.filter((d) => d.ruleId === 'attribute-value').map((d) => [d.severity, d.line, d.column]),
      ).toEqual([['warning', 1, 77]]);
      expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    });
  },
);

it('reports no error or warning on the generated mediation-sequences/ of one target at a time', async () => {
  for (const target of ['apim', 'mi', 'apim3']) {
    const { diagnostics, files } = await validatePaths([join(MEDIATION_SEQUENCES, target)]);
    expect(files.length).toBeGreaterThan(5);
    expect(diagnostics).toEqual([]);
  }
});
