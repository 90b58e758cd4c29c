import { join } from 'node:path';
import { PolicyTester } from '@synapse-ai/sdk';
import map, { applyMapping, checkMapping } from '..';

const fixtures = PolicyTester.loadFixtures(join(__dirname, '../fixtures'));
PolicyTester.run(map, {
  valid: [
    ...fixtures.valid,
    {
      name: 'XML source read as WSO2 reads it',
      options: { mapping: { '$.id': '$.order.id', '$.total': { from: '$.order.total', type: 'number' } } },
      body: '<order><id>7</id><total>19.90</total></order>',
      contentType: 'application/xml',
      output: { id: 7, total: 19.9 },
      outputContentType: 'application/json',
    },
    {
      name: 'missing optional values are reported in the decision',
      options: { mapping: { '$.a': '$.x' } },
      body: {},
      output: {},
      notes: ['map=no value for $.a'],
    },
  ],
  invalid: [
    ...fixtures.invalid,
    {
      name: 'a target with more [*] than its source',
      options: { mapping: { '$.a[*].b': '$.c' } },
      body: {},
      error: { code: 'SAI_ERR_INVALID_OPTIONS' },
    },
    { name: 'text bodies', body: 'x', contentType: 'text/plain', error: { code: 'SAI_ERR_UNSUPPORTED_MEDIA_TYPE' } },
    {
      name: 'mixed-content XML, which WSO2 cannot convert, is a 422 with the reason (not a 500)',
      options: { mapping: { '$.a': '$.a' } },
      body: '<a>text<b>1</b>more</a>',
      contentType: 'application/xml',
      error: { code: 'SAI_ERR_INPUT_INVALID', message: 'mixed content' },
    },
    {
      name: 'an empty <jsonValue/> (no JSON at all) is a 422',
      options: { mapping: { '$.a': '$.a' } },
      body: '<jsonValue/>',
      contentType: 'application/xml',
      error: { code: 'SAI_ERR_INPUT_INVALID', message: 'no JSON value' },
    },
  ],
});

describe('mapping engine', () => {
  it('converts types, splits, and leaves out what does not convert', () => {
    expect(
      applyMapping(
        { n: 'x', t: 'a, b ,c', f: 'true' },
        {
          '$.n': { from: '$.n', type: 'number' },
          '$.tags': { from: '$.t', transform: 'split' },
          '$.flag': { from: '$.f', type: 'boolean' },
        },
      ),
    ).toEqual({
      target: { tags: ['a', 'b', 'c'], flag: true },
      missing: ['$.n'],
    });
  });
  it('checks paths', () => {
    expect(checkMapping({ 'a.b': '$.x' })).toEqual(['"a.b" must start with $']);
    expect(checkMapping({ '$.a': {} })).toEqual(['$.a: give "from" (a source path) or "value" (a constant)']);
  });
});
