import fc from 'fast-check';
import { detect } from '../detectors';

const types = (text: string, opts = {}): string[] =>
  detect(text, opts).map((f) => `${f.type}:${text.slice(f.start, f.end)}`);

describe('detectors: true positives and near misses', () => {
  const cases: [string, string, string[], Record<string, unknown>?][] = [
    ['EMAIL', 'write to ada.lovelace+api@mail.example.co.uk now', ['EMAIL:ada.lovelace+api@mail.example.co.uk']],
    ['EMAIL near miss', 'user@localhost, @handle, a@b, x..y@z.com', []],
    [
      'PHONE international',
      'call +44 20 7946 0958 or +1 (415) 555-2671',
      ['PHONE:+44 20 7946 0958', 'PHONE:+1 (415) 555-2671'],
    ],
    ['PHONE national with a region', 'ring 020 7946 0958', ['PHONE:020 7946 0958'], { defaultCountry: 'GB' }],
    ['PHONE under a phone field', '(415) 555-2671', ['PHONE:(415) 555-2671'], { fieldName: 'mobilePhone' }],
    ['PHONE near miss: not a valid number', 'order 1234567 shipped +1 555 0100', []],
    [
      'CREDIT_CARD',
      'visa 4111 1111 1111 1111, amex 378282246310005, mc 5555-5555-5555-4444',
      ['CREDIT_CARD:4111 1111 1111 1111', 'CREDIT_CARD:378282246310005', 'CREDIT_CARD:5555-5555-5555-4444'],
    ],
    [
      'CREDIT_CARD near miss: Luhn fails, no issuer, mixed separators',
      '4111 1111 1111 1112 9999999999999995 4111-1111 1111 1111',
      [],
    ],
    [
      'IBAN',
      'pay DE89 3704 0044 0532 0130 00 or GB82WEST12345698765432 or fr1420041010050500013m02606',
      ['IBAN:DE89 3704 0044 0532 0130 00', 'IBAN:GB82WEST12345698765432', 'IBAN:fr1420041010050500013m02606'],
    ],
    ['IBAN near miss: checksum, length', 'DE89 3704 0044 0532 0130 01 and GB82WEST1234569876543', []],
    // the digits of an IBAN with a wrong checksum, read after its country code, pass Luhn: not a card
    ['IBAN near miss is not a card either', 'NL53 8310 6427 7333 82 and FR38 8148 6117 3206 8636 3860 294', []],
    ['US_SSN', 'ssn 536-22-1234', ['US_SSN:536-22-1234']],
    ['US_SSN near miss: invalid ranges', '000-12-3456 666-12-3456 912-34-5678 536-00-1234 536-22-0000', []],
    ['US_SSN undashed under an ssn field', '536221234', ['US_SSN:536221234'], { fieldName: 'ssn' }],
    [
      'IP_ADDRESS v4 and v6',
      'from 192.168.1.20 and 2001:db8::8a2e:370:7334 and ::1',
      ['IP_ADDRESS:192.168.1.20', 'IP_ADDRESS:2001:db8::8a2e:370:7334', 'IP_ADDRESS:::1'],
    ],
    [
      'IP_ADDRESS v6 written in full and with an IPv4 tail',
      'peer 2001:0db8:85a3:0000:0000:8a2e:0370:7334 via 0:0:0:0:0:ffff:192.0.2.1',
      ['IP_ADDRESS:2001:0db8:85a3:0000:0000:8a2e:0370:7334', 'IP_ADDRESS:0:0:0:0:0:ffff:192.0.2.1'],
    ],
    ['IP_ADDRESS near miss', 'v 300.1.2.3, 1.2.3, time 12:30:45, mac 00:1A:2B:3C:4D:5E', []],
    ['IP_ADDRESS under a version field', '1.2.3.4', [], { fieldName: 'appVersion' }],
    [
      'CREDENTIAL_URL',
      'db postgres://admin:s3cr3t@db.internal:5432/app',
      ['CREDENTIAL_URL:postgres://admin:s3cr3t@db.internal:5432/app'],
    ],
    [
      'CREDENTIAL_URL connection string',
      'Server=tcp:db.example.com,1433;Database=app;User Id=sa;Password=Pa55w0rd!;',
      ['CREDENTIAL_URL:Server=tcp:db.example.com,1433;Database=app;User Id=sa;Password=Pa55w0rd!;'],
    ],
    ['CREDENTIAL_URL near miss', 'https://example.com/a@b and mailto:x@example.com', ['EMAIL:x@example.com']],
    [
      'JWT',
      'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
      ['JWT:eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'],
    ],
    [
      'JWT near miss: header does not decode',
      'eyJhbGciOiJIUzI1NiJ8.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fw',
      [],
    ],
    [
      'SECRET formats',
      'AKIAIOSFODNN7EXAMPLE ghp_abcdefghijklmnopqrstuvwxyz0123456789 glpat-abcdefghij0123456789 AIzaSyA1234567890abcdefghijklmnopqrstuv',
      [
        'SECRET:AKIAIOSFODNN7EXAMPLE',
        'SECRET:ghp_abcdefghijklmnopqrstuvwxyz0123456789',
        'SECRET:glpat-abcdefghij0123456789',
        'SECRET:AIzaSyA1234567890abcdefghijklmnopqrstuv',
      ],
    ],
    [
      'SECRET more formats',
      'sk_live_abcdefghijklmnop1234 xoxb-123456789012-abcdefghijkl sk-proj-abcdefghij1234567890ABCDEFGH',
      [
        'SECRET:sk_live_abcdefghijklmnop1234',
        'SECRET:xoxb-123456789012-abcdefghijkl',
        'SECRET:sk-proj-abcdefghij1234567890ABCDEFGH',
      ],
    ],
    [
      'SECRET bearer token',
      'Authorization: Bearer abcdefghijklmnop0123456789',
      ['SECRET:Bearer abcdefghijklmnop0123456789'],
    ],
    ['SECRET near miss', 'AKIA1234 ghp_short sk-not-a-key task-force', []],
    [
      'SECRET under a secret-looking field',
      'f3a9c1e8b2d74a6c9e0b1d2f',
      ['SECRET:f3a9c1e8b2d74a6c9e0b1d2f'],
      { fieldName: 'client_secret' },
    ],
    ['SECRET field with a low-entropy value', 'aaaaaaaaaaaaaaaa', [], { fieldName: 'apiKey' }],
    ['password field: any value', 'hunter2', ['SECRET:hunter2'], { fieldName: 'password' }],
    [
      'PRIVATE_KEY',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----',
      ['PRIVATE_KEY:-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----'],
    ],
    [
      'DATE_OF_BIRTH in context',
      'born on 12 March 1985; DOB: 1990-07-04',
      ['DATE_OF_BIRTH:12 March 1985', 'DATE_OF_BIRTH:1990-07-04'],
    ],
    ['DATE_OF_BIRTH near miss: no birth context', 'shipped 1990-07-04', []],
    ['DATE_OF_BIRTH under a birth field', '04/07/1990', ['DATE_OF_BIRTH:04/07/1990'], { fieldName: 'dateOfBirth' }],
    ['DATE_OF_BIRTH near miss: impossible date', '1990-02-30', [], { fieldName: 'dob' }],
    ['PERSON from field name', 'Ada Lovelace', ['PERSON:Ada Lovelace'], { fieldName: 'fullName' }],
    [
      'PERSON: name under a person parent',
      'Grace Hopper',
      ['PERSON:Grace Hopper'],
      { fieldName: 'name', parentName: 'customer' },
    ],
    ['PERSON near miss: product name', 'Widget Pro', [], { fieldName: 'name', parentName: 'product' }],
    ['ADDRESS from field name', '221B Baker Street', ['ADDRESS:221B Baker Street'], { fieldName: 'streetAddress' }],
  ];
  it.each(cases.map((c) => [c[0], c] as const))('%s', (_name, [, text, expected, opts]) => {
    expect(types(text, opts ?? {})).toEqual(expected);
  });

  it('prefers the more specific type when spans overlap', () => {
    expect(types('https://user:pa55@host.example.com/x')).toEqual([
      'CREDENTIAL_URL:https://user:pa55@host.example.com/x',
    ]);
  });

  it('reports URL only when asked', () => {
    expect(types('see https://example.com/a')).toEqual([]);
    expect(types('see https://example.com/a', { types: ['URL'] })).toEqual(['URL:https://example.com/a']);
  });

  it('never returns the matched value, only type, span, detector and score', () => {
    const [f] = detect('mail ada@example.com');
    expect(Object.keys(f!).sort()).toEqual(['detector', 'end', 'score', 'start', 'type']);
  });

  it('runs custom detectors with validators and context words', () => {
    const custom = [
      { type: 'EMPLOYEE_ID', pattern: 'EMP-\\d{6}', context: ['employee'] },
      { type: 'ACCOUNT', pattern: '\\b\\d{16}\\b', validator: 'luhn' as const },
    ];
    expect(types('employee EMP-123456; then, much later in an unrelated sentence: EMP-654321', { custom })).toEqual([
      'EMPLOYEE_ID:EMP-123456',
    ]);
    expect(types('acct 4000056655665556 and 4000056655665557', { custom, types: [] })).toEqual([
      'ACCOUNT:4000056655665556',
    ]);
  });
});

describe('detect: the early exit for plain short values', () => {
  it('finds what the full detector pass finds', () => {
    // `custom: []` turns the early exit off, so the two calls differ only in taking it
    // pieces of findings and of near misses, so that both sides of every pre-check come up
    const unit = fc.constantFrom(
      ...'aZé .,_/+x0159@:=-#ü\u00a0'.split(''),
      'a@b.co',
      'Ada',
      'Bearer ',
      'Bearer abcdefghabcdefgh',
      'abcdefghabcdefgh',
      'sk-',
      'AKIA',
      '::1',
      'a:b',
      'x=1',
      '10.0.0.1',
      '1990-01-02',
      'born ',
      '+44 20 7946 0958',
    );
    const field = fc.constantFrom('status', 'name', 'firstName', 'email', 'phone', 'password', 'street', 'dob', 'x');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 6 }), field, fc.constantFrom('customer', 'item'), (text, f, p) => {
        const opts = { fieldName: f, parentName: p };
        expect(detect(text, opts)).toEqual(detect(text, { ...opts, custom: [] }));
      }),
      { numRuns: 3000 },
    );
  });
});
