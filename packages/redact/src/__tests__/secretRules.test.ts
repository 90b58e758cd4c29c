/**
 * The known-bad (`ng`) and known-good (`ok`) fixtures of secretlint's recommended rules, at the
 * version this package runs (fixtures/secretlint, extracted by scripts/fixtures/secretlint.mjs):
 * every secret in a known-bad case is found, a known-good case holds none. Where this redactor
 * decides differently on purpose, the case is listed below with the reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detect } from '../detectors';
import { SECRET_RULE_IDS } from '../secretRules';

interface Case {
  rule: string;
  case: string;
  kind: 'ng' | 'ok';
  input: string;
  ranges: [number, number][];
}
const fixtures = JSON.parse(readFileSync(join(__dirname, 'fixtures/secretlint/fixtures.json'), 'utf8')) as {
  source: string;
  cases: Case[];
};

/** Cases decided differently on purpose, and why. */
const DIVERGES: Record<string, string> = {
  'basicauth/ng.basic-auth-ftp-url': 'user:pass in a URL is how documentation writes credentials: not a secret',
  'basicauth/ng.basic-auth-http-url': 'user:pass in a URL is how documentation writes credentials: not a secret',
  'basicauth/ng.basic-auth-in-markdown': 'user:pass in a URL is how documentation writes credentials: not a secret',
  'basicauth/ok.database-urls-not-detected':
    "known-good for the basic-auth rule alone: the preset's database rule (and this redactor) flag these URLs",
  'openai/ok.valid':
    'not in the OpenAI format, but shaped like a vendor key (prefix and 48 random characters): redacted all the same',
  'groq/ok.valid':
    "near misses of Groq's format (too long, a prefix inside a word, sk_ for gsk_) that are still shaped like vendor tokens: the generic vendor-token rule redacts them",
  'notion/ok.valid':
    "near misses of Notion's format (one digit short, a prefix inside a word) that are still shaped like vendor tokens: the generic vendor-token rule redacts them",
};

const SECRET_TYPES = new Set(['SECRET', 'CREDENTIAL_URL', 'PRIVATE_KEY']);

/** Where a reported range's secret ends: its last token character (ranges may take a closing quote along). */
function secretEnd(text: string, start: number, end: number): number {
  let e = end;
  while (e > start && !/[A-Za-z0-9+/=_-]/.test(text[e - 1]!)) e--;
  return e;
}

describe(`secretlint's fixtures (${fixtures.source})`, () => {
  it('runs every scanner of the preset', () => {
    const rules = new Set(fixtures.cases.map((c) => c.rule));
    for (const r of rules) expect(SECRET_RULE_IDS).toContain(r);
    expect(SECRET_RULE_IDS.length).toBeGreaterThanOrEqual(20);
  });

  const cases = fixtures.cases.filter((c) => !(`${c.rule}/${c.case}` in DIVERGES));
  it.each(cases.filter((c) => c.kind === 'ng').map((c) => [`${c.rule}/${c.case}`, c] as const))(
    'known-bad %s: every secret found',
    (_name, c) => {
      const found = detect(c.input).filter((f) => SECRET_TYPES.has(f.type));
      for (const [start, end] of c.ranges) {
        // the tail of every reported range (inside the secret value whatever the range starts with) is
        // found; a range that is a whole key file must have its key material found
        const pem = /-----END [A-Z ]*PRIVATE KEY/.exec(c.input.slice(start, end));
        const e = pem ? start + pem.index : secretEnd(c.input, start, end);
        const tail = Math.max(start, e - 8);
        const covered = (i: number): boolean => found.some((f) => f.start <= i && i < f.end);
        expect({ range: c.input.slice(start, end), tailRedacted: covered(tail) && covered(e - 1) }).toEqual({
          range: c.input.slice(start, end),
          tailRedacted: true,
        });
      }
    },
  );
  it.each(cases.filter((c) => c.kind === 'ok').map((c) => [`${c.rule}/${c.case}`, c] as const))(
    'known-good %s: nothing taken for a secret',
    (_name, c) => {
      const found = detect(c.input).filter((f) => SECRET_TYPES.has(f.type));
      expect(found.map((f) => c.input.slice(f.start, f.end))).toEqual([]);
    },
  );

  it('lists only divergences that exist', () => {
    const names = new Set(fixtures.cases.map((c) => `${c.rule}/${c.case}`));
    for (const name of Object.keys(DIVERGES)) expect(names).toContain(name);
  });
});
