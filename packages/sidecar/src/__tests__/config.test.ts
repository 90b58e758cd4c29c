import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinPolicies } from '@synapse-ai/policies';
import { buildRegistry } from '../app';
import { ConfigError, isLoopbackHost, loadConfig, parseSize } from '../config';

/** The names the registry lists in its fix hints, in registry order. */
const ALL = builtinPolicies.map((p) => p.meta.name).join(', ');

const dir = mkdtempSync(join(tmpdir(), 'sai-config-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({ env: {} })).toEqual({
      server: {
        host: '127.0.0.1',
        port: 8088,
        bodyLimit: 1048576,
        requestTimeoutMs: 10000,
        shutdownTimeoutMs: 10000,
        keepAliveTimeoutMs: 65000,
        maxDepth: 512,
      },
      auth: { tokens: [] },
      logging: { level: 'info', requests: 'errors' },
      store: { type: 'memory', keyPrefix: 'sai:', commandTimeoutMs: 500 },
      policies: {},
      pipelines: {},
      products: {},
      audit: { maxBytes: 67108864, prompts: 'hash', onError: 'fail-closed', headKeyEnv: 'SAI_AUDIT_HEAD_KEY' },
    });
  });

  it('reads YAML and JSON, normalizes pipeline steps and freezes the result', () => {
    const yaml = file(
      'a.yaml',
      `server:\n  port: 9000\n  bodyLimit: 2mb\npolicies:\n  add-context:\n    options: { key: ctx }\npipelines:\n  in-flow:\n    - add-context\n    - policy: echo\n`,
    );
    const c = loadConfig({ file: yaml, env: {} });
    expect(c.server.port).toBe(9000);
    expect(c.server.bodyLimit).toBe(2 * 1024 * 1024);
    expect(c.pipelines).toEqual({ 'in-flow': [{ policy: 'add-context' }, { policy: 'echo' }] });
    expect(Object.isFrozen(c.server)).toBe(true);
    const jsonFile = file('b.json', JSON.stringify({ logging: { level: 'debug' } }));
    expect(loadConfig({ file: jsonFile, env: {} }).logging.level).toBe('debug');
  });

  it('lets environment variables override the file, and flags override both', () => {
    const yaml = file('c.yaml', 'server:\n  port: 9000\n  host: 127.0.0.2\n');
    const c = loadConfig({
      file: yaml,
      env: {
        SAI_PORT: '9100',
        SAI_AUTH_TOKENS: 'aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb',
        SAI_LOG_LEVEL: 'warn',
        SAI_BODY_LIMIT: '512kb',
      },
      overrides: { host: '127.0.0.3' },
    });
    expect([c.server.port, c.server.host, c.server.bodyLimit, c.logging.level]).toEqual([
      9100,
      '127.0.0.3',
      524288,
      'warn',
    ]);
    expect(c.auth.tokens).toEqual(['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
    expect(loadConfig({ env: { SAI_CONFIG: yaml } }).server.port).toBe(9000);
  });

  it('names the field, the value and the fix for every bad setting', () => {
    const bad = file(
      'bad.yaml',
      `server:\n  port: 70000\n  bodyLimit: lots\n  hots: x\nlogging:\n  level: loud\nauth:\n  tokens: [short]\npipelines:\n  Bad_Name: [echo]\n  empty: []\n`,
    );
    expect(problemsOf(() => loadConfig({ file: bad, env: {} }))).toEqual([
      'server.hots is not a known setting (check the spelling; remove it if it is not needed).',
      'server.port must be <= 65535 (got 70000). Fix: use a TCP port between 1 and 65535 (0 picks a free one), e.g. 8088.',
      'server.bodyLimit must be an integer (got "lots"). Fix: give a size in bytes or with a unit, e.g. 10485760 or "10mb" (at most 1gb).',
      'auth.tokens[0] must NOT have fewer than 16 characters. Fix: use a random token of at least 16 characters (e.g. `openssl rand -hex 32`).',
      'logging.level must be one of "error", "warn", "info", "debug" (got "loud"). Fix: use one of error, warn, info, debug.',
      'pipelines has a key "Bad_Name" that must match the pattern ^[a-z][a-z0-9]*(-[a-z0-9]+)*$. Fix: key pipelines by a kebab-case name, each a list of policies.',
      'pipelines.empty must NOT have fewer than 1 items (got []). Fix: list one or more steps, each a policy name or { policy, options }.',
    ]);
  });

  it('says where the YAML is broken', () => {
    const broken = file('broken.yaml', 'server:\n  port: 1\n   host: x\n');
    expect(problemsOf(() => loadConfig({ file: broken, env: {} }))[0]).toMatch(
      /^YAML error at line 2, column 9: Nested mappings are not allowed in compact mappings$/,
    );
    expect(problemsOf(() => loadConfig({ file: file('list.yaml', '- a\n'), env: {} }))).toEqual([
      'the file must hold a mapping (server:, auth:, policies:, pipelines: ...) at the top level',
    ]);
    expect(problemsOf(() => loadConfig({ file: join(dir, 'missing.yaml'), env: {} }))[0]).toMatch(
      /cannot read the file \(ENOENT\)/,
    );
  });

  it('rejects environment values that are not numbers', () => {
    expect(problemsOf(() => loadConfig({ env: { SAI_PORT: 'eighty' } }))).toEqual([
      'SAI_PORT must be a whole number (got "eighty")',
    ]);
  });

  it('reads tokens from a file, refusing short ones', () => {
    const tokens = file('tokens', '# sidecar tokens\ncccccccccccccccccccc\n\n');
    expect(loadConfig({ env: { SAI_AUTH_TOKEN_FILE: tokens } }).auth.tokens).toEqual(['cccccccccccccccccccc']);
    expect(problemsOf(() => loadConfig({ env: { SAI_AUTH_TOKEN_FILE: file('short', 'abc\n') } }))[0]).toMatch(
      /shorter than 16 characters/,
    );
    expect(problemsOf(() => loadConfig({ env: { SAI_AUTH_TOKEN_FILE: file('none', '\n') } }))[0]).toMatch(
      /holds no token/,
    );
  });
});

describe('buildRegistry', () => {
  const registry = (yaml: string) =>
    buildRegistry(builtinPolicies, loadConfig({ file: file(`r${Math.random()}.yaml`, yaml), env: {} }));

  it('reports unknown policies, bad options and name clashes with the config path', () => {
    expect(
      problemsOf(() =>
        registry(
          'policies:\n  add-context:\n    options: { key: 7 }\n  nope: {}\npipelines:\n  echo: [echo]\n  flow: [add-context, missing]\n  mixed:\n    - policy: echo\n      options: { a: 1 }\n',
        ),
      ),
    ).toEqual([
      'policies.add-context.options: Invalid options for policy "add-context": options.key must be a string (got 7)',
      `policies.nope: no policy is named "nope". Fix: use one of ${ALL}.`,
      'pipelines.echo: a policy already has this name. Fix: rename the pipeline.',
      'pipelines.flow[0].options: Invalid options for policy "add-context": options.key must be a string (got 7)',
      `pipelines.flow[1]: no policy is named "missing". Fix: use one of ${ALL}.`,
      'pipelines.mixed[0].options: Policy "echo" takes no options (got a); remove them.',
    ]);
  });

  it('lets pipeline steps inherit or override the policy options', async () => {
    const r = registry(
      'policies:\n  add-context:\n    options: { key: a }\npipelines:\n  p1: [add-context]\n  p2:\n    - policy: add-context\n      options: { key: b }\n',
    );
    expect(r.pipelines.get('p1')!.steps[0]!.options).toMatchObject({ key: 'a' });
    expect(r.pipelines.get('p2')!.steps[0]!.options).toMatchObject({ key: 'b' });
  });
});

describe('start-up checks: every problem at once, before the first call', () => {
  const VAULT = 'a-vault-secret-of-32-characters!';

  it('reports schema errors, unknown names, option errors, uncompilable patterns and missing secrets in one report', () => {
    const problems = problemsOf(() =>
      loadConfig({
        file: file(
          `all${Math.random()}.yaml`,
          [
            'server:',
            '  port: -1',
            'policies:',
            '  guard:',
            "    options: { deny: ['(?i)password', 'ok'] }",
            '  no-such-policy: {}',
            'pipelines:',
            '  chat-in:',
            '    - policy: redact-pii',
            "      options: { operators: { '*': { op: pseudonymize } } }",
            '    - missing-step',
            '  chat-out: [restore-pii]',
            '',
          ].join('\n'),
        ),
        env: {},
        policies: builtinPolicies,
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^server\.port must be >= 0 \(got -1\)/),
      expect.stringMatching(
        /^policies\.guard\.options\.deny\[0\]: "\(\?i\)password" is not a JavaScript regular expression .*Fix: .*drop inline flags/,
      ),
      `policies.no-such-policy: no policy is named "no-such-policy". Fix: use one of ${ALL}.`,
      expect.stringMatching(
        /^pipelines\.chat-in\[0\]\.options\.operators: the pseudonymize operator needs the environment variable SAI_PII_VAULT_SECRET .*it is not set.*Fix: export SAI_PII_VAULT_SECRET=/,
      ),
      `pipelines.chat-in[1]: no policy is named "missing-step". Fix: use one of ${ALL}.`,
      expect.stringMatching(
        /^pipelines\.chat-out\[0\]\.options\.vaultSecretEnv: restoring pseudonyms needs .*SAI_PII_VAULT_SECRET/,
      ),
    ]);
  });

  it('accepts the same configuration once the secret is set and the pattern is JavaScript', () => {
    const config = loadConfig({
      file: file(
        `ok${Math.random()}.yaml`,
        "policies:\n  guard:\n    options: { deny: ['password'] }\npipelines:\n  chat-in:\n    - policy: redact-pii\n      options: { operators: { '*': { op: pseudonymize } } }\n",
      ),
      env: { SAI_PII_VAULT_SECRET: VAULT },
      policies: builtinPolicies,
    });
    expect(buildRegistry(builtinPolicies, config, { SAI_PII_VAULT_SECRET: VAULT }).pipelines.has('chat-in')).toBe(true);
  });

  it('checks the hash key and custom detectors of redact-pii', () => {
    const problems = problemsOf(() =>
      buildRegistry(
        builtinPolicies,
        {
          policies: {
            'redact-pii': {
              options: { operators: { EMAIL: { op: 'hash' } }, custom: [{ type: 'ORDER', pattern: '(?<x' }] },
            },
          },
          pipelines: {},
        },
        { SAI_REDACT_HASH_KEY: 'short' },
      ),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^policies\.redact-pii\.options\.custom\[0\]\.pattern: "\(\?<x" is not a JavaScript regular expression/,
      ),
      expect.stringMatching(
        /^policies\.redact-pii\.options\.operators: the hash operator needs .*SAI_REDACT_HASH_KEY .*it has 5\)/,
      ),
    ]);
  });

  it('leaves built-in policies nobody configured to be checked when called', () => {
    // restore-pii is always served; without a configuration naming it, a missing secret does not stop the start
    expect(() => buildRegistry(builtinPolicies, loadConfig({ env: {} }), {})).not.toThrow();
  });
});

it('never quotes a token in a start-up error', () => {
  const problems = problemsOf(() => loadConfig({ env: { SAI_AUTH_TOKENS: 'short-secret' } }));
  expect(problems).toEqual([
    expect.stringMatching(/^auth\.tokens\[0\] must NOT have fewer than 16 characters\. Fix: /),
  ]);
  expect(problems.join('\n')).not.toContain('short-secret');
});

describe('every environment variable the README documents', () => {
  const readme = readFileSync(join(__dirname, '../../../../README.md'), 'utf8');
  const documented = [...readme.matchAll(/^\| `[\w.]+` \| `(SAI_[A-Z_]+)`/gm)].map((m) => m[1]!);
  const tokenFile = file('tokens.txt', '# ops\nfile-token-0123456789\n');
  const EXPECT: Record<string, [string, (c: ReturnType<typeof loadConfig>) => unknown, unknown]> = {
    SAI_HOST: ['0.0.0.0', (c) => c.server.host, '0.0.0.0'],
    SAI_PORT: ['9099', (c) => c.server.port, 9099],
    SAI_BODY_LIMIT: ['2mb', (c) => c.server.bodyLimit, 2 * 1024 * 1024],
    SAI_REQUEST_TIMEOUT_MS: ['2500', (c) => c.server.requestTimeoutMs, 2500],
    SAI_AUTH_TOKENS: [
      'env-token-0123456789,second-token-0123456',
      (c) => c.auth.tokens,
      ['env-token-0123456789', 'second-token-0123456'],
    ],
    SAI_AUTH_TOKEN_FILE: [tokenFile, (c) => c.auth.tokens, ['file-token-0123456789']],
    SAI_REDIS_URL: ['redis://127.0.0.1:6390', (c) => [c.store.type, c.store.url], ['redis', 'redis://127.0.0.1:6390']],
    SAI_AUDIT_FILE: ['/var/log/sai/audit.log', (c) => c.audit.file, '/var/log/sai/audit.log'],
    SAI_LOG_LEVEL: ['debug', (c) => c.logging.level, 'debug'],
  };

  it('the README table lists them', () => {
    expect(documented.sort()).toEqual(Object.keys(EXPECT).sort());
  });

  it.each(Object.keys(EXPECT))('%s sets its setting', (name) => {
    const [value, read, expected] = EXPECT[name]!;
    expect(read(loadConfig({ env: { [name]: value } }))).toEqual(expected);
  });
});

describe('helpers', () => {
  it.each([
    ['10mb', 10485760],
    ['512KB', 524288],
    ['1.5 kib', 1536],
    ['100', 100],
    [42, 42],
    ['ten', 'ten'],
  ])('parseSize(%j) = %j', (input, out) => expect(parseSize(input)).toBe(out));

  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.1', false],
  ])('isLoopbackHost(%s) = %s', (host, loopback) => expect(isLoopbackHost(host)).toBe(loopback));
});
