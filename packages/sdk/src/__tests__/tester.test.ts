import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { block, definePolicy, proceed } from '../policy';
import { PolicyTester, PolicyTestFailure, type TesterCases } from '../tester';

const upper = definePolicy({
  meta: {
    name: 'upper',
    version: '1.0.0',
    description: 'upper-cases name',
    flows: ['request'],
    stage: 'transform',
    priority: 1,
  },
  options: { type: 'object', properties: { suffix: { type: 'string', default: '' } }, additionalProperties: false },
  input: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
  handler(message, ctx) {
    const body = message.payload.value;
    if (body.name === 'blocked') return block('SAI_ERR_POLICY_BLOCKED', 'No.');
    if (body.name === 'boom') throw new Error('secret internals');
    return proceed({
      json: { ...body, name: body.name.toUpperCase() + ctx.options.suffix },
      headers: { 'X-Upper': '1' },
    });
  },
});

/** Collects the tests PolicyTester registers, so they can be run and inspected here. */
function collect(cases: TesterCases): Map<string, () => Promise<void>> {
  const tests = new Map<string, () => Promise<void>>();
  const path: string[] = [];
  PolicyTester.describe = (name, fn) => {
    path.push(name);
    fn();
    path.pop();
  };
  PolicyTester.it = (name, fn) => {
    tests.set([...path, name].join(' > '), fn);
  };
  try {
    PolicyTester.run(upper, cases);
  } finally {
    PolicyTester.describe = undefined;
    PolicyTester.it = undefined;
  }
  return tests;
}

describe('PolicyTester', () => {
  it('registers one test per case under the policy name', () => {
    const tests = collect({
      valid: [{ name: 'simple', body: { name: 'ada' }, output: { name: 'ADA' } }],
      invalid: [{ name: 'blocked', body: { name: 'blocked' }, error: { code: 'SAI_ERR_POLICY_BLOCKED' } }],
    });
    expect([...tests.keys()]).toEqual(['upper > valid > simple', 'upper > invalid > blocked']);
  });

  it('passes matching cases and fails mismatching ones with a clear message', async () => {
    const tests = collect({
      valid: [
        {
          name: 'ok',
          body: '{"name":"ada","n":500.0}',
          contentType: 'application/json',
          output: '{"name":"ADA","n":500.0}',
          decision: 'modified',
          expectHeaders: { 'x-upper': '1' },
        },
        {
          name: 'number text differs',
          body: '{"name":"ada","n":500.0}',
          contentType: 'application/json; charset=utf-8',
          output: '{"name":"ADA","n":500}',
        },
        { name: 'options apply', options: { suffix: '!' }, body: { name: 'x' }, output: { name: 'X!' } },
        { name: 'wrong output', body: { name: 'bob' }, output: { name: 'bob' } },
        { name: 'actually blocks', body: { name: 'blocked', n: 1 } },
      ],
      invalid: [
        {
          name: 'right code',
          body: { name: 'blocked' },
          error: { code: 'SAI_ERR_POLICY_BLOCKED', status: 403, message: 'No' },
        },
        {
          name: 'thrown error is internal',
          body: { name: 'boom' },
          error: { code: 'SAI_ERR_INTERNAL', message: /^Internal error$/ },
        },
        {
          name: 'schema',
          body: { nom: 1 },
          error: { code: 'SAI_ERR_INPUT_INVALID', message: 'body.name is required' },
        },
        {
          name: 'bad options',
          options: { suffix: 1 },
          body: { name: 'a' },
          error: { code: 'SAI_ERR_INVALID_OPTIONS', message: 'options.suffix must be a string (got 1)' },
        },
        {
          name: 'xml refused',
          body: '<a/>',
          contentType: 'application/xml',
          error: { code: 'SAI_ERR_UNSUPPORTED_MEDIA_TYPE' },
        },
        {
          name: 'wrong flow',
          body: { name: 'a' },
          context: { flow: 'response' },
          error: { code: 'SAI_ERR_FLOW_NOT_SUPPORTED' },
        },
        { name: 'wrong code', body: { name: 'blocked', n: 2 }, error: { code: 'SAI_ERR_INTERNAL' } },
        { name: 'continues instead', body: { name: 'fine' }, error: { code: 'SAI_ERR_POLICY_BLOCKED' } },
      ],
    });
    const results = new Map<string, string>();
    for (const [name, fn] of tests) {
      results.set(
        name,
        await fn().then(
          () => 'pass',
          (e: Error) => `${e instanceof PolicyTestFailure ? 'FAIL' : 'ERROR'}: ${e.message}`,
        ),
      );
    }
    expect(Object.fromEntries(results)).toEqual({
      'upper > valid > ok': 'pass',
      'upper > valid > number text differs':
        'FAIL: "number text differs": output differs.\n  expected: {"name":"ADA","n":500}\n  actual:   {"name":"ADA","n":500.0}',
      'upper > valid > options apply': 'pass',
      'upper > valid > wrong output':
        'FAIL: "wrong output": output differs.\n  expected: {"name":"bob"}\n  actual:   {"name":"BOB"}',
      'upper > valid > actually blocks':
        'FAIL: "actually blocks": expected the policy to continue, but it blocked with SAI_ERR_POLICY_BLOCKED: No.',
      'upper > invalid > right code': 'pass',
      'upper > invalid > thrown error is internal': 'pass',
      'upper > invalid > schema': 'pass',
      'upper > invalid > bad options': 'pass',
      'upper > invalid > xml refused': 'pass',
      'upper > invalid > wrong flow': 'pass',
      'upper > invalid > wrong code': 'FAIL: "wrong code": got code SAI_ERR_POLICY_BLOCKED (expected SAI_ERR_INTERNAL)',
      'upper > invalid > continues instead':
        'FAIL: "continues instead": expected error SAI_ERR_POLICY_BLOCKED, but the policy continued (modified)',
    });
  });

  describe('checks its own tables', () => {
    it.each<[string, TesterCases, RegExp]>([
      [
        'duplicate names',
        {
          valid: [
            { name: 'a', body: { name: '1' } },
            { name: 'a', body: { name: '2' } },
          ],
        },
        /duplicate test case name "a"/,
      ],
      [
        'duplicate inputs',
        {
          valid: [{ name: 'a', body: { name: '1' } }],
          invalid: [{ name: 'b', body: { name: '1' }, error: { code: 'SAI_ERR_INTERNAL' } }],
        },
        /"b" has the same input as "a"/,
      ],
      [
        'invalid without error',
        { invalid: [{ name: 'x', body: {} } as never] },
        /invalid case "x" must have an "error" with a "code"/,
      ],
      [
        'invalid without code',
        { invalid: [{ name: 'x', body: {}, error: {} } as never] },
        /invalid case "x" must name an error code/,
      ],
      [
        'unknown code',
        { invalid: [{ name: 'x', body: {}, error: { code: 'SAI_NOPE' } } as never] },
        /unknown error code "SAI_NOPE"/,
      ],
      [
        'valid with error',
        { valid: [{ name: 'v', body: {}, error: { code: 'SAI_ERR_INTERNAL' } } as never] },
        /valid case "v" must not have an "error"/,
      ],
      ['nameless', { valid: [{ body: {} } as never] }, /a valid case has no name/],
    ])('%s', (_title, cases, message) => {
      expect(() => PolicyTester.checkTables(cases)).toThrow(message);
    });
  });

  it('loads fixture files, with bodies and outputs in files beside them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sai-fixtures-'));
    mkdirSync(join(dir, 'valid'));
    mkdirSync(join(dir, 'invalid'));
    mkdirSync(join(dir, 'payloads'));
    writeFileSync(
      join(dir, 'valid', 'from-file.json'),
      JSON.stringify({ bodyFile: '../payloads/in.json', outputFile: '../payloads/out.json' }),
    );
    writeFileSync(join(dir, 'payloads', 'in.json'), '{"name":"ada","total":1.50}');
    writeFileSync(join(dir, 'payloads', 'out.json'), '{"name":"ADA","total":1.50}');
    writeFileSync(
      join(dir, 'invalid', 'two.json'),
      JSON.stringify([
        { body: { name: 'blocked' }, error: { code: 'SAI_ERR_POLICY_BLOCKED' } },
        { body: { x: 1 }, error: { code: 'SAI_ERR_INPUT_INVALID' } },
      ]),
    );
    const cases = PolicyTester.loadFixtures(dir);
    expect(cases.valid.map((c) => c.name)).toEqual(['from-file']);
    expect(cases.invalid.map((c) => c.name)).toEqual(['two #1', 'two #2']);
    await PolicyTester.runValid(upper, cases.valid[0]!);
    for (const c of cases.invalid) await PolicyTester.runInvalid(upper, c);
  });

  it('reports a fixture that is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sai-fixtures-'));
    mkdirSync(join(dir, 'valid'));
    writeFileSync(join(dir, 'valid', 'broken.json'), '{ nope');
    expect(() => PolicyTester.loadFixtures(dir)).toThrow(/fixture .*broken\.json is not valid JSON/);
  });
});
