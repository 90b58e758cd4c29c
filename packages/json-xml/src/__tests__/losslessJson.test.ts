import fc from 'fast-check';
import {
  isValidJson,
  JsonNumber,
  JsonSyntaxError,
  parseJson,
  stringifyJson,
  toPlainJson,
  topLevelKeys,
} from '../losslessJson';

const roundTrip = (text: string): string => stringifyJson(parseJson(text));

describe('parseJson / stringifyJson keep number text', () => {
  it.each([
    '500.0',
    '1.0E10',
    '1e5',
    '-0',
    '-0.0',
    '4.00',
    '12345678901234567890',
    '1234567890123456789012345',
    '0.1000000000000000055511151231257827',
    '2.5E+2',
    '1E-7',
  ])('%s survives a round trip', (n) => {
    expect(roundTrip(`{"v":${n},"a":[${n},${n}]}`)).toBe(`{"v":${n},"a":[${n},${n}]}`);
  });

  it('keeps exact numbers as plain numbers and the rest as JsonNumber', () => {
    const v = parseJson('{"a":1,"b":1.5,"c":500.0,"d":12345678901234567890}') as Record<string, unknown>;
    expect(v.a).toBe(1);
    expect(v.b).toBe(1.5);
    expect(v.c).toBeInstanceOf(JsonNumber);
    expect((v.c as JsonNumber).text).toBe('500.0');
    expect(Number(v.c)).toBe(500);
    expect(v.d).toBeInstanceOf(JsonNumber);
  });

  it('toPlainJson gives doubles for validation', () => {
    expect(toPlainJson(parseJson('{"c":500.0,"x":[1.0]}'))).toEqual({ c: 500, x: [1] });
  });

  it('decodes escapes and keeps unicode', () => {
    expect(parseJson('"a\\u00e9\\n\\"b\\\\ \\/ \\ud83d\\ude00"')).toBe('aé\n"b\\ / 😀');
    expect(roundTrip('"tab\\there"')).toBe('"tab\\there"');
  });

  it('treats __proto__ and constructor as plain data', () => {
    const v = parseJson('{"__proto__":{"polluted":true},"constructor":{"prototype":1}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(v)).toEqual(['__proto__', 'constructor']);
    expect(stringifyJson(v)).toBe('{"__proto__":{"polluted":true},"constructor":{"prototype":1}}');
  });

  it('keeps the last of duplicate keys, as JSON.parse does', () => {
    expect(roundTrip('{"a":1,"a":2}')).toBe('{"a":2}');
  });
});

describe('parseJson errors name line and column', () => {
  const cases: [string, number, number, RegExp][] = [
    ['{"a":1,}', 1, 8, /expected a string key/],
    ['{\n  "a": tru\n}', 2, 8, /expected a value/],
    ['[1, 2', 1, 6, /end of input/],
    ['{"a":01}', 1, 7, /invalid number/],
    ['"abc', 1, 1, /unterminated string/],
    ['"a\tb"', 1, 3, /control character/],
    ['"\\x"', 1, 2, /invalid escape/],
    ['{"a":1} x', 1, 9, /after the end/],
    ['', 1, 1, /end of input/],
    ['NaN', 1, 1, /expected a value/],
  ];
  it.each(cases)('%j → line %i column %i', (text, line, column, reason) => {
    let error: unknown;
    try {
      parseJson(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(JsonSyntaxError);
    const e = error as JsonSyntaxError;
    expect([e.line, e.column]).toEqual([line, column]);
    expect(e.code).toBe('SAI_ERR_MALFORMED_JSON');
    expect(e.message).toMatch(reason);
  });

  it('bounds nesting depth', () => {
    const deep = '['.repeat(20) + ']'.repeat(20);
    expect(() => parseJson(deep, { maxDepth: 10 })).toThrow(/nesting deeper than 10 levels/);
    expect(() => parseJson('['.repeat(100000))).toThrow(JsonSyntaxError);
  });
});

describe('properties', () => {
  it('agrees with JSON.parse on what is JSON, and round-trips compact JSON exactly', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        const compact = JSON.stringify(JSON.parse(text));
        expect(roundTrip(compact)).toBe(compact);
        expect(toPlainJson(parseJson(text))).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws anything but JsonSyntaxError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        let ours: unknown;
        let native = true;
        try {
          JSON.parse(text);
        } catch {
          native = false;
        }
        try {
          parseJson(text);
          ours = true;
        } catch (err) {
          expect(err).toBeInstanceOf(JsonSyntaxError);
          ours = false;
        }
        expect(ours).toBe(native);
      }),
      { numRuns: 2000 },
    );
  });

  it('isValidJson agrees with JSON.parse on arbitrary text and on JSON', () => {
    const agree = (text: string): void => {
      let native = true;
      try {
        JSON.parse(text);
      } catch {
        native = false;
      }
      expect([text, isValidJson(text)]).toEqual([text, native]);
    };
    fc.assert(fc.property(fc.string({ maxLength: 40 }), agree), { numRuns: 3000 });
    fc.assert(fc.property(fc.json(), agree), { numRuns: 500 });
    const jsonish = fc.stringMatching(/^[[\]{}",:0-9.eE+\-tuflasn \\]{0,24}$/);
    fc.assert(fc.property(jsonish, agree), { numRuns: 5000 });
    for (const t of [
      '{"a":[1,{"b":null}],"c":"\\u00e9"}',
      '[]',
      '{}',
      ' 1 ',
      '"\\u12"',
      '[1,]',
      '{"a" 1}',
      '01',
      '-',
      '1.',
      '1e',
      '[1 2]',
      '{,}',
    ])
      agree(t);
  });

  it('isValidJson enforces the depth limit', () => {
    expect(isValidJson('[[[]]]', 3)).toBe(true);
    expect(isValidJson('[[[[]]]]', 3)).toBe(false);
    expect(isValidJson('{"a":{"b":{"c":{}}}}', 3)).toBe(false);
  });

  it('keeps any valid number text', () => {
    const digits = fc.stringMatching(/^-?(0|[1-9][0-9]{0,30})(\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?$/);
    fc.assert(fc.property(digits, (n) => expect(roundTrip(`[${n}]`)).toBe(`[${n}]`)));
  });
});

describe('topLevelKeys', () => {
  it('gives the member names of a top-level object, decoded, in order', () => {
    expect(topLevelKeys(' { "a" : 1 , "b\\u0041":{"x":[1,{"y":"}"}]}, "c":"q\\"}", "d": [] , "e":null}  ')).toEqual([
      'a',
      'bA',
      'c',
      'd',
      'e',
    ]);
    expect(topLevelKeys('{}')).toEqual([]);
    expect(topLevelKeys('[{"a":1}]')).toBeUndefined();
    expect(topLevelKeys('"x"')).toBeUndefined();
  });

  it('agrees with Object.keys(JSON.parse(text)) on any JSON object', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const text = JSON.stringify(obj, null, obj && Object.keys(obj).length % 2 ? 1 : undefined);
        expect(topLevelKeys(text)).toEqual(Object.keys(JSON.parse(text) as object));
      }),
      { numRuns: 1000 },
    );
  });
});
