import fc from 'fast-check';
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js/min';
import examples from 'libphonenumber-js/mobile/examples';
import { internationalPhone } from '../phonePlans';

/** What libphonenumber-js itself says of `text` (no default country). */
function library(text: string, possible: boolean): boolean {
  const p = parsePhoneNumberFromString(text);
  return p !== undefined && (possible ? p.isPossible() : p.isValid());
}

/** Ways people group an international number (`+44 7400 123456`, `+44-7400-123-456`, `+44 (74) 00.123456`). */
function writings(code: string, national: string): string[] {
  const g = (n: number, sep: string): string => national.replace(new RegExp(`(\\d{${n}})(?=\\d)`, 'g'), `$1${sep}`);
  return [
    `+${code}${national}`,
    `+${code} ${national}`,
    `+${code} ${g(3, ' ')}`,
    `+${code}-${g(3, '-')}`,
    `+${code}.${g(4, '.')}`,
    `+${code} (${national.slice(0, 2)}) ${national.slice(2)}`,
    `+${code}/${g(2, '/')}`,
    `+(${code}) ${national}`,
  ];
}

/** A national number one digit shorter, one longer, and with one digit changed. */
function nearMisses(national: string, seed: number): string[] {
  const i = seed % national.length;
  const d = String((Number(national[i]) + 1 + (seed % 9)) % 10);
  return [national.slice(0, -1), `${national}${seed % 10}`, national.slice(0, i) + d + national.slice(i + 1)];
}

describe('international phone numbers: the fast path gives the answer of libphonenumber-js', () => {
  const cases: string[] = [];
  for (const country of getCountries()) {
    const national = (examples as Record<string, string>)[country];
    if (!national) continue;
    const code = getCountryCallingCode(country);
    for (const [k, n] of [national, ...nearMisses(national, code.length + national.length)].entries())
      for (const text of k === 0 ? writings(code, n) : [`+${code} ${n}`]) cases.push(text);
  }

  it('on every example number of the metadata, written several ways, and on near misses of each', () => {
    let answered = 0;
    const wrong: string[] = [];
    for (const text of cases)
      for (const possible of [false, true]) {
        const fast = internationalPhone(text, possible);
        if (fast === undefined) continue;
        answered++;
        if (fast !== library(text, possible)) wrong.push(`${text} (${possible ? 'possible' : 'valid'}): ${fast}`);
      }
    expect(wrong).toEqual([]);
    // the point is to answer the common case: nearly all of these are in the form it handles
    expect(answered / (cases.length * 2)).toBeGreaterThan(0.85);
  });

  it('answers the numbers a typical payload carries without the library', () => {
    for (const text of [
      '+44 20 7946 0958',
      '+1 (415) 555-2671',
      '+49 30 901820',
      '+55 11 96123 4113',
      '+91 81234 56217',
    ])
      expect(internationalPhone(text, false)).toBe(true);
    expect(internationalPhone('+1 555 0100', false)).toBe(false);
    expect(internationalPhone('+999 1234 5678', false)).toBe(false);
    // outside the form: the library answers
    expect(internationalPhone('+44 20 7946 0958 ext. 12', false)).toBeUndefined();
    expect(internationalPhone('+44 (0)20 7946 0958', false)).toBeUndefined();
    expect(internationalPhone('+800 1234 5678', false)).toBeUndefined();
  });

  it('on random digits after a plus, grouped at random', () => {
    const groupSep = fc.constantFrom(' ', '-', '.', '/', '', '(', ')');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.stringMatching(/^\d{1,5}$/), groupSep), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (groups, possible) => {
          const text = `+${groups.map(([d, s]) => d + s).join('')}`.replace(/\D+$/, '');
          const fast = internationalPhone(text, possible);
          return fast === undefined || fast === library(text, possible);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('on numbers that start with a valid calling code and run to plausible lengths', () => {
    const code = fc.constantFrom(...getCountries().map((c) => getCountryCallingCode(c)));
    fc.assert(
      fc.property(code, fc.stringMatching(/^\d{4,14}$/), fc.boolean(), (cc, national, possible) => {
        const text = `+${cc} ${national}`;
        const fast = internationalPhone(text, possible);
        return fast === undefined || fast === library(text, possible);
      }),
      { numRuns: 20000 },
    );
  });
});
