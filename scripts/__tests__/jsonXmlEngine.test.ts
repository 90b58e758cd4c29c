/**
 * The differential against the real WSO2 engine: a fresh random batch each run (the seed is printed;
 * SAI_DIFFERENTIAL_SEED repeats one), every property set, both directions, through the path a message
 * takes in Micro Integrator (JSON→XML: the message builder, a mediator reading the payload, the XML
 * formatter; XML→JSON: the builder and the JSON formatter). SAI_DIFFERENTIAL_WRITE=1 instead rewrites the
 * stored fixtures the Java-free test reads (`npm run fixtures:json-xml`).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AXIS2_NCNAME_RANGES } from '../../packages/json-xml/src/java';
import { convertWithEngine, findEngine } from '@synapse-ai/synapse';
import { PROPERTY_SETS } from '../../packages/json-xml/src/__tests__/differential/arbitraries';
import type { Outcome } from '../../packages/json-xml/src/__tests__/differential/compare';
import {
  type Case,
  type Fixture,
  generateCases,
  verdict,
} from '../../packages/json-xml/src/__tests__/differential/oracle';
import {
  FIXTURE_FILE,
  FIXTURE_PER_SET,
  FIXTURE_SEED,
  describeProblems,
} from '../../packages/json-xml/src/__tests__/differential/fixtures';

const engine = findEngine(join(__dirname, '../../../shared'));
const missing = 'missing' in engine ? engine.missing : null;
if (missing && process.env.CI) throw new Error(`the WSO2 engine is required in CI: ${missing}`);
const writing = process.env.SAI_DIFFERENTIAL_WRITE === '1';

async function askEngine(cases: Case[]): Promise<Fixture[]> {
  if ('missing' in engine) throw new Error(engine.missing);
  const out: Fixture[] = [];
  const sets = Object.keys(PROPERTY_SETS);
  // two engine processes at a time: one per property set, as Synapse reads its properties once
  for (let i = 0; i < sets.length; i += 2) {
    const batch = await Promise.all(
      sets.slice(i, i + 2).map(async (set) => {
        const mine = cases.filter((c) => c.set === set);
        const answers = await convertWithEngine(
          engine,
          mine.map((c) => ({
            id: c.id,
            direction: c.direction,
            input: c.input,
            // JSON→XML: the payload as mediation sees it; XML→JSON: builder and formatter
            mediated: c.direction === 'json2xml',
            viaMessage: c.direction === 'xml2json',
          })),
          PROPERTY_SETS[set],
        );
        return mine.map((c, k): Fixture => {
          const a = answers[k];
          const wso2: Outcome = a.ok ? { ok: true, output: a.output } : { ok: false, error: a.error };
          return { ...c, wso2 };
        });
      }),
    );
    for (const b of batch) out.push(...b);
  }
  return out;
}

(missing ? describe.skip : describe)(
  `JSON⇄XML differential against the WSO2 engine${missing ? ` — not run: ${missing}` : ''}`,
  () => {
    if (writing) {
      it('rewrites the stored fixtures', async () => {
        const fixtures = await askEngine(generateCases(FIXTURE_SEED, FIXTURE_PER_SET));
        writeFileSync(FIXTURE_FILE, fixtures.map((f) => JSON.stringify(f)).join('\n') + '\n');
        expect(fixtures.length).toBe(FIXTURE_PER_SET * 2 * Object.keys(PROPERTY_SETS).length);
      }, 300_000);
      return;
    }
    it("carries the engine's own table of the characters XMLChar.isNCName accepts", () => {
      if ('missing' in engine) throw new Error(engine.missing);
      const script = join(__dirname, '../../packages/synapse/engine/NameChars.java');
      const run = spawnSync(engine.java, ['-cp', engine.jar, script], { encoding: 'utf8', timeout: 120_000 });
      expect(run.status).toBe(0);
      const ranges = [...run.stdout.trim().matchAll(/\\u([0-9A-F]{4})(?:-\\u([0-9A-F]{4}))?/g)].flatMap((m) => [
        parseInt(m[1]!, 16),
        parseInt(m[2] ?? m[1]!, 16),
      ]);
      expect(ranges.length).toBeGreaterThan(100);
      expect([...AXIS2_NCNAME_RANGES]).toEqual(ranges);
    }, 150_000);

    it('finds no unexplained difference on a fresh random batch', async () => {
      const seed = Number(process.env.SAI_DIFFERENTIAL_SEED ?? Date.now() % 2 ** 31);
      const fixtures = await askEngine(generateCases(seed, 40));
      const problems = fixtures.flatMap((f) => {
        const v = verdict(f, f.wso2);
        return v ? [{ fixture: f, ...v }] : [];
      });
      if (problems.length > 0)
        throw new Error(`seed ${seed} (SAI_DIFFERENTIAL_SEED=${seed} repeats it):\n${describeProblems(problems)}`);
    }, 300_000);
  },
);
