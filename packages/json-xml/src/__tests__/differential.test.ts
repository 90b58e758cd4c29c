/**
 * The converter against WSO2's own answers for a few thousand generated documents (stored from the
 * engine by `npm run fixtures:json-xml`; scripts/__tests__/jsonXmlEngine.test.ts asks the engine afresh). Every
 * difference must be a documented choice (README, "Where this converter differs on purpose").
 */
import { PROPERTY_SETS } from './differential/arbitraries';
import { describeProblems, readFixtures } from './differential/fixtures';
import { verdict } from './differential/oracle';

const fixtures = readFixtures();

describe('JSON⇄XML against stored WSO2 engine answers', () => {
  it('holds a few thousand cases over every property set and both directions', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(3000);
    for (const set of Object.keys(PROPERTY_SETS)) {
      expect(fixtures.filter((f) => f.set === set && f.direction === 'json2xml').length).toBeGreaterThan(50);
      expect(fixtures.filter((f) => f.set === set && f.direction === 'xml2json').length).toBeGreaterThan(50);
    }
    // inputs WSO2 refuses are part of the set
    expect(fixtures.filter((f) => !f.wso2.ok).length).toBeGreaterThan(100);
  });

  it.each(Object.keys(PROPERTY_SETS))('%s: no unexplained difference', (set) => {
    const problems = fixtures
      .filter((f) => f.set === set)
      .flatMap((f) => {
        const v = verdict(f, f.wso2);
        return v ? [{ fixture: f, ...v }] : [];
      });
    if (problems.length > 0) throw new Error(describeProblems(problems));
  });
});
