import fc from 'fast-check';
import { parseJson } from '@synapse-ai/json-xml';
import type { JsonValue } from '@synapse-ai/sdk';
import { eachString, parsePath, type PathPart } from '../textFields';

/** The definition: every string whose whole path matches one of the patterns. */
function reference(value: unknown, patterns?: readonly (readonly string[])[]): [string, PathPart[]][] {
  const out: [string, PathPart[]][] = [];
  const visit = (v: unknown, path: PathPart[]): void => {
    if (typeof v === 'string') {
      const hit =
        !patterns ||
        patterns.some((p) => p.length === path.length && p.every((s, i) => s === '*' || s === String(path[i])));
      if (hit) out.push([v, path]);
    } else if (Array.isArray(v)) v.forEach((x, i) => visit(x, [...path, i]));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, [...path, k]);
  };
  visit(value, []);
  return out;
}

describe('eachString', () => {
  it('visits exactly the strings under the paths, each with its own path', () => {
    const key = fc.constantFrom('a', 'b', 'messages', 'content', '__proto__');
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string({ maxLength: 3 }),
        fc.integer(),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(key, tie('value'), { maxKeys: 3 }),
      ),
    })).value;
    const pattern = fc.array(fc.constantFrom('a', 'b', 'messages', 'content', '__proto__', '*', '0', '1'), {
      maxLength: 4,
    });
    fc.assert(
      fc.property(json, fc.option(fc.array(pattern, { minLength: 1, maxLength: 3 }), { nil: undefined }), (v, ps) => {
        // through the lossless parser, as policies see bodies (a __proto__ member is data)
        const tree = parseJson(JSON.stringify(v)) as JsonValue;
        const seen: [string, PathPart[]][] = [];
        eachString(tree, (s, path) => seen.push([s, [...path]]), ps);
        expect(seen).toEqual(reference(JSON.parse(JSON.stringify(v)), ps));
      }),
      { numRuns: 1000 },
    );
  });

  it('gives callers a path they may keep', () => {
    const kept: (readonly PathPart[])[] = [];
    eachString({ a: ['x', 'y'] } as JsonValue, (_s, path) => kept.push(path), [parsePath('$.a[*]')]);
    expect(kept).toEqual([
      ['a', 0],
      ['a', 1],
    ]);
  });
});
