/** Where the stored engine answers live, and how failures are reported. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Outcome } from './compare';
import type { Fixture } from './oracle';

export const FIXTURE_FILE = join(__dirname, 'engine-answers.jsonl');
export const FIXTURE_SEED = 20261202;
export const FIXTURE_PER_SET = 100;

export function readFixtures(): Fixture[] {
  if (!existsSync(FIXTURE_FILE)) throw new Error(`${FIXTURE_FILE} is missing: run npm run fixtures:json-xml`);
  return readFileSync(FIXTURE_FILE, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Fixture);
}

const show = (o: Outcome): string => (o.ok ? JSON.stringify(o.output) : `refused: ${o.error}`).slice(0, 400);

/** The first differences, each with its input and both answers. */
export function describeProblems(
  problems: Array<{ fixture: Fixture; problem: string; ours: Outcome }>,
  max = 8,
): string {
  const lines = problems
    .slice(0, max)
    .map(
      (p) =>
        `- ${p.fixture.id} (${p.fixture.direction}): ${p.problem}\n    input: ${JSON.stringify(p.fixture.input).slice(0, 400)}\n    ours:  ${show(p.ours)}\n    WSO2:  ${show(p.fixture.wso2)}`,
    );
  return `${problems.length} unexplained difference(s):\n${lines.join('\n')}`;
}
