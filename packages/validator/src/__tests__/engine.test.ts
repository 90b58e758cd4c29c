/** Configuration, inline comments, .j2 positions and the rule registry's hygiene. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkConfig, RULES, RULES_BY_ID, suppressions, validateSources } from '..';
import { seq, SPEC } from './ruleTester';

const ids = (list: ReturnType<typeof validateSources>): string[] => list.map((d) => `${d.ruleId}@${d.line}`);

describe('configuration', () => {
  const code = seq('<log level="full"/>\n<loggg/>');
  it('turns rules off and changes severities', () => {
    const plain = validateSources([{ file: 'a.xml', source: code }]);
    expect(ids(plain)).toEqual(['name-matches-file@1', 'no-payload-logging@2', 'unknown-mediator@3']);
    const configured = validateSources([{ file: 'a.xml', source: code }], {
      config: { rules: { 'no-payload-logging': 'error', 'unknown-mediator': 'off', 'name-matches-file': 'info' } },
    });
    expect(configured.map((d) => [d.ruleId, d.severity])).toEqual([
      ['name-matches-file', 'info'],
      ['no-payload-logging', 'error'],
    ]);
  });

  it.each([
    [[], /must be a JSON object/],
    [{ rule: {} }, /unknown key "rule"/],
    [
      { rules: { 'no-payload-log': 'error' } },
      /no rule is named "no-payload-log". Did you mean "no-payload-logging"\?/,
    ],
    [{ rules: { 'no-payload-logging': 'fatal' } }, /use "off", "error", "warning" or "info"/],
    [{ ignore: 'x' }, /"ignore" must be a list/],
  ])('refuses a bad configuration with what and how to fix (%#)', (config, message) => {
    expect(() => checkConfig(config, '.synapse-ai-validate.json')).toThrow(message);
  });
});

describe('inline comments', () => {
  it('disable a rule from a comment on, until enabled again, and for the next line', () => {
    const code = seq(
      [
        '<log level="full"/>',
        '<!-- synapse-ai-disable no-payload-logging: the test flow carries no personal data -->',
        '<log level="full"/>',
        '<!-- synapse-ai-enable no-payload-logging -->',
        '<log level="full"/>',
        '<!-- synapse-ai-disable-next-line unknown-mediator -->',
        '<loggg/>',
        '<loggg/>',
      ].join('\n'),
      'name="a" onError="fault"',
    );
    expect(ids(validateSources([{ file: 'a.xml', source: code }]))).toEqual([
      'no-payload-logging@2',
      'no-payload-logging@6',
      'unknown-mediator@9',
    ]);
  });

  it('without ids, disable every rule', () => {
    expect(suppressions('<!-- synapse-ai-disable -->')).toEqual([{ from: 1, to: Infinity, rules: 'all' }]);
  });

  it('work in .j2 templates as Jinja comments too', () => {
    const j2 = '{# synapse-ai-disable-next-line apim-no-send #}\n<send/>\n<send/>\n';
    const found = validateSources([
      { file: 'p.j2', source: j2 },
      { file: 'p.json', source: SPEC('p') },
    ]);
    expect(ids(found)).toEqual(['apim-no-send@3']);
  });
});

describe('.j2 templates', () => {
  it('report positions in the template as written, not in the wrapped sequence', () => {
    const j2 = '{% if a %}\n  <log level="verbose"/>\n{% endif %}\n';
    const found = validateSources([
      { file: 'p.j2', source: j2 },
      { file: 'p.json', source: SPEC('p', ['a']) },
    ]);
    expect(found.map((d) => [d.ruleId, d.line, d.column])).toEqual([['attribute-value', 2, 8]]);
  });
});

describe('rule registry', () => {
  const dir = join(__dirname, '../rules');
  const folders = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();

  it('lists every rule folder, and each rule’s id is its folder', () => {
    expect(RULES.map((r) => r.meta.id).sort()).toEqual(folders);
    for (const r of RULES) expect(RULES_BY_ID.get(r.meta.id)).toBe(r);
  });

  it.each(folders)('%s has a README, fixtures and a test, and is listed in the package README', (id) => {
    const readme = readFileSync(join(dir, id, 'README.md'), 'utf8');
    expect(readme.startsWith(`# ${id}\n`)).toBe(true);
    expect(readme).toContain(`**Default severity:** ${RULES_BY_ID.get(id)!.meta.severity}`);
    expect(readdirSync(join(dir, id, 'fixtures', 'valid')).length).toBeGreaterThan(0);
    expect(readdirSync(join(dir, id, 'fixtures', 'invalid')).length).toBeGreaterThan(0);
    expect(existsSync(join(dir, id, '__tests__', `${id}.test.ts`))).toBe(true);
    expect(readFileSync(join(__dirname, '../../README.md'), 'utf8')).toContain(
      `[\`${id}\`](src/rules/${id}/README.md)`,
    );
    const meta = RULES_BY_ID.get(id)!.meta;
    expect(meta.description.endsWith('.')).toBe(true);
    expect(meta.hint.length).toBeGreaterThan(10);
  });
});
