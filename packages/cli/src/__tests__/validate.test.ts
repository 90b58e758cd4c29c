/** `synapse-ai validate`: exit codes, formats, configuration, the sidecar catalogue, and the CI examples as written. */
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runCli } from './runCli';

const ROOT = join(__dirname, '../../../..');
const MS = join(ROOT, 'mediation-sequences');
const XSD = join(ROOT, '../shared/synapse-xsd');
if (!existsSync(XSD) && process.env.CI) throw new Error(`${XSD} is missing: CI must have ../shared beside the clone`);
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sai-validate-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const SEQ = (body: string, name = 'S'): string =>
  `<sequence xmlns="http://ws.apache.org/ns/synapse" name="${name}" onError="fault">\n    ${body}\n</sequence>\n`;

describe('synapse-ai validate', () => {
  it('exits 0 on clean files and says so', async () => {
    writeFileSync(join(dir, 'S.xml'), SEQ('<drop/>'));
    const r = await runCli(['validate', dir]);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toBe('✔ 1 file validated, no problems\n');
  });

  it('exits 1 on an error, with the position, rule and fix', async () => {
    writeFileSync(join(dir, 'S.xml'), SEQ('<log level="verbose"/>'));
    const r = await runCli(['validate', dir]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/2:10 {2}error {4}level="verbose" is not allowed on <log>\. {2}attribute-value/);
  });

  it('exits 0 on warnings unless --fail-severity warning', async () => {
    writeFileSync(join(dir, 'S.xml'), SEQ('<log level="full"/>'));
    expect((await runCli(['validate', dir])).code).toBe(0);
    expect((await runCli(['validate', dir, '--fail-severity', 'warning'])).code).toBe(1);
  });

  it('reads .synapse-ai-validate.json through --config', async () => {
    writeFileSync(join(dir, 'S.xml'), SEQ('<log level="full"/>'));
    writeFileSync(join(dir, 'cfg.json'), JSON.stringify({ rules: { 'no-payload-logging': 'error' } }));
    expect((await runCli(['validate', dir, '--config', join(dir, 'cfg.json')])).code).toBe(1);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ rules: { 'no-such-rule': 'error' } }));
    const bad = await runCli(['validate', dir, '--config', join(dir, 'bad.json')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/no rule is named "no-such-rule"/);
  });

  it('writes JUnit and SARIF reports to --output', async () => {
    writeFileSync(join(dir, 'S.xml'), SEQ('<loggg/>'));
    const out = join(dir, 'r.sarif');
    expect((await runCli(['validate', join(dir, 'S.xml'), '--format', 'sarif', '--output', out])).code).toBe(1);
    const log = JSON.parse(readFileSync(out, 'utf8')) as {
      version: string;
      runs: Array<{ results: Array<{ ruleId: string }> }>;
    };
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]!.results.map((r) => r.ruleId)).toEqual(['unknown-mediator']);
    const junit = join(dir, 'r.xml');
    await runCli(['validate', join(dir, 'S.xml'), '-f', 'junit', '-o', junit]);
    expect(readFileSync(junit, 'utf8')).toMatch(/<testsuites name="synapse-ai validate" tests="1" failures="1"/);
  });

  it('checks calls to the sidecar against a catalogue file or URL', async () => {
    writeFileSync(join(dir, 'S.xml'), SEQ('<property name="u" value="http://sidecar:8088/v1/policies/redact-pi"/>'));
    const catalogue = JSON.stringify({ policies: [{ name: 'redact-pii' }], pipelines: [{ name: 'orders-in' }] });
    writeFileSync(join(dir, 'catalogue.json'), catalogue);
    const fromFile = await runCli(['validate', join(dir, 'S.xml'), '--sidecar-catalog', join(dir, 'catalogue.json')]);
    expect(fromFile.code).toBe(1);
    expect(fromFile.out).toMatch(/serves no policy or pipeline named "redact-pi"/);
    const server: Server = createServer((_req, res) => res.end(catalogue));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as { port: number };
      const fromUrl = await runCli([
        'validate',
        join(dir, 'S.xml'),
        '--sidecar-catalog',
        `http://127.0.0.1:${port}/v1/policies`,
      ]);
      expect(fromUrl.code).toBe(1);
      expect(fromUrl.out).toMatch(/redact-pi"/);
    } finally {
      server.close();
    }
  });

  (existsSync(XSD) ? it : it.skip)(
    `validates against an XSD set with --xsd${existsSync(XSD) ? '' : ' — not run: ../shared is not beside this clone (README: "The shared folder and other prerequisites")'}`,
    async () => {
      writeFileSync(join(dir, 'S.xml'), SEQ('<call blocking="maybe"/>'));
      const r = await runCli(['validate', join(dir, 'S.xml'), '--xsd', XSD, '--format', 'json']);
      const out = JSON.parse(r.out) as { diagnostics: Array<{ ruleId: string; line: number }> };
      expect(out.diagnostics.filter((d) => d.ruleId === 'xsd').map((d) => d.line)).toEqual([2]);
    },
  );

  it.each([
    [['--format', 'xml'], /--format must be one of stylish, json, junit, sarif/],
    [['--fail-severity', 'fatal'], /--fail-severity must be one of error, warning, info/],
    [['no/such/path'], /no\/such\/path does not exist/],
    [['--xsd', '/nowhere'], /holds no sequence\.xsd/],
    [['--sidecar-catalog', '/nowhere.json'], /cannot read the sidecar catalogue/],
  ])('exits 2 on a usage or tool error (%#)', async (args, message) => {
    const r = await runCli(['validate', ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('is clean on this repository itself (its .synapse-ai-validate.json leaves out the rule fixtures)', async () => {
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
      const r = await runCli(['validate', '.', '--format', 'json']);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.out) as { diagnostics: unknown[] };
      expect(out.diagnostics).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  });

  it('lists the rules', async () => {
    const r = await runCli(['validate', '--list-rules']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^well-formed +error +The file is well-formed XML/m);
  });
});

describe('examples/ci-validate', () => {
  /** Every shell line of both CI files, in order. */
  const lines = [
    ...(
      parseYaml(readFileSync(join(ROOT, 'examples/ci-validate/github-actions.yml'), 'utf8')) as {
        jobs: { validate: { steps: Array<{ run?: string }> } };
      }
    ).jobs.validate.steps.map((s) => s.run),
    ...(
      parseYaml(readFileSync(join(ROOT, 'examples/ci-validate/gitlab-ci.yml'), 'utf8')) as {
        'synapse-ai-validate': { script: string[] };
      }
    )['synapse-ai-validate'].script,
  ].filter((c): c is string => c !== undefined);
  const commands = lines.filter((c) => c.includes('synapse-ai.js validate'));
  const installs = lines.filter((c) => /^npm /.test(c));

  it('installs synapse-ai from a clone with the committed lock (it is not on npm), never from the registry', () => {
    expect(installs).toEqual([
      'npm ci --prefix .synapse-ai --no-audit --no-fund',
      'npm ci --prefix .synapse-ai --no-audit --no-fund',
    ]);
    for (const c of commands)
      expect(c.startsWith('node .synapse-ai/packages/cli/bin/synapse-ai.js validate ')).toBe(true);
  });

  it('has the validate command in both CI files', () => expect(commands).toHaveLength(2));

  it.each(commands)('runs clean on mediation-sequences/ as written: %s', async (command) => {
    const args = command.replace(/^node \.synapse-ai\/packages\/cli\/bin\/synapse-ai\.js /, '').split(/\s+/);
    const outIdx = args.indexOf('--output');
    const report = join(dir, args[outIdx + 1]!);
    args[outIdx + 1] = report;
    args[args.indexOf('mediation-sequences')] = MS;
    const r = await runCli(args);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(readFileSync(report, 'utf8').length).toBeGreaterThan(100);
  });

  it('the sample configuration is accepted', async () => {
    const r = await runCli([
      'validate',
      join(MS, 'apim'),
      '--config',
      join(ROOT, 'examples/ci-validate/.synapse-ai-validate.json'),
    ]);
    expect(r.code).toBe(0);
  });
});
