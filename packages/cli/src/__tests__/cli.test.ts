import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './runCli';

const ROOT = join(__dirname, '../../../..');
const BIN = join(__dirname, '../../bin/synapse-ai.js');

/**
 * What `npm start` runs: `exec node <script> serve`, read from the root package.json (the build is
 * its `prestart`, so the shell npm starts is replaced by node and npm's signals reach the server).
 */
function startCommand(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  expect(pkg.scripts.prestart).toBe('npm run build');
  const run = pkg.scripts.start!.trim().split(/\s+/);
  expect(run.slice(0, 2)).toEqual(['exec', 'node']);
  return run.slice(2).map((a, i) => (i === 0 ? join(ROOT, a) : a));
}

const run = (argv: string[], env: Record<string, string> = {}) => runCli(argv, '', env);

describe('synapse-ai (in process)', () => {
  it('prints help with exit 0, and usage with exit 2 when no command is given', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(
      /Usage: synapse-ai <command>[\s\S]*serve[\s\S]*Exit codes: 0 ok, 1 findings, 2 usage or tool error/,
    );
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/Usage:/);
  });

  it('has --help on every command', async () => {
    const res = await run(['serve', '--help']);
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/^Usage: synapse-ai serve \[--config FILE\] \[--port N\] \[--host H\]/);
  });

  it.each([
    [['bogus'], /unknown command 'bogus'/],
    [['sevre'], /Did you mean 'serve'\?/],
    [['serve', '--nope'], /Unknown option '--nope'/],
    [['serve', '--port', '99999'], /--port must be a whole number from 0 to 65535 \(got "99999"\)/],
    [['serve', 'extra'], /Unexpected argument 'extra'/],
    [['serve', '--host', ' '], /--host needs an address/],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const res = await run(argv);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(message);
  });

  it('exits 2 with every bad field named when the config is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sai-cli-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'server:\n  port: -1\nlogging:\n  level: loud\n');
    const res = await run(['serve', '--config', file]);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(
      /Invalid sidecar configuration \(.*c\.yaml\):\n {2}- server\.port must be >= 0 \(got -1\)\. Fix: .*\n {2}- logging\.level must be one of/,
    );
  });

  it('refuses a non-loopback bind without a token (exit 2)', async () => {
    const res = await run(['serve', '--host', '0.0.0.0', '--port', '0']);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/no auth token is configured/);
  });
});

const built = existsSync(join(__dirname, '../../dist/bin.js'));
if (!built) {
  // `npm test` builds first; a bare `jest` run on an unbuilt tree must say why this part cannot run
  throw new Error('packages/cli/dist is missing: run `npm run build` (npm test does it for you) before these tests.');
}

describe('synapse-ai serve (as `npm start` runs it)', () => {
  it('npm start runs the serve command of the launcher', () => {
    expect(startCommand()).toEqual([BIN, 'serve']);
  });

  let child: ChildProcess | undefined;
  afterEach(() => child?.kill('SIGKILL'));

  function start(args: string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
    return new Promise((resolve, reject) => {
      const c = spawn(process.execPath, [...startCommand(), '--port', '0', ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SAI_LOG_LEVEL: 'info' },
      });
      child = c;
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no listening line in 10 s:\n${out}`)), 10_000);
      const onData = (chunk: Buffer): void => {
        out += chunk.toString();
        const m = /listening on (http:\/\/\S+) /.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve({ child: c, url: m[1]!, output: () => out });
        }
      };
      c.stdout!.on('data', onData);
      c.stderr!.on('data', onData);
      c.once('exit', (code) => reject(new Error(`exited early with ${code}:\n${out}`)));
    });
  }

  it('serves the transform policies', async () => {
    const { url } = await start([]);
    const call = async (policy: string, contentType: string, body: string) => {
      const res = await fetch(`${url}/v1/policies/${policy}`, {
        method: 'POST',
        headers: { 'Content-Type': contentType },
        body,
      });
      return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
    };
    expect(await call('json-to-xml', 'application/json', '{"a":{"n":500.0,"l":[1,2]}}')).toEqual({
      status: 200,
      type: 'application/xml',
      body: '<jsonObject><a><n>500.0</n><l>1</l><l>2</l></a></jsonObject>',
    });
    expect(await call('xml-to-json', 'text/xml', '<a><n>25e1</n><n>0010</n></a>')).toEqual({
      status: 200,
      type: 'application/json',
      body: '{"a":{"n":[2.5E+2,"0010"]}}',
    });
  });

  it('prints where it listens, finishes an in-flight request on SIGTERM, then exits 0', async () => {
    const { child: c, url, output } = await start([]);
    const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        `${url}/v1/policies/echo`,
        { method: 'POST', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.write('{"slow":');
      // the request is in flight (half its body sent) when SIGTERM arrives
      setTimeout(() => {
        c.kill('SIGTERM');
        setTimeout(() => req.end('1.50}'), 300);
      }, 200);
    });
    const res = await response;
    expect(res).toEqual({ status: 200, body: '{"slow":1.50}' });
    expect(await exited).toBe(0);
    expect(output()).toMatch(/"signal":"SIGTERM"[\s\S]*"message":"stopped"/);
    // the log keeps the sidecar's own listen address (the PII filter used to turn it into <IP_ADDRESS>)
    expect(output()).toContain(`"url":"${url}"`);
  });

  it('stops when a process manager sends SIGTERM to the npm start process itself', async () => {
    const npm = spawn('npm', ['start', '--silent', '--', '--port', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SAI_LOG_LEVEL: 'info' },
    });
    child = npm;
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line in 60 s:\n${out}`)), 60_000);
      const onData = (chunk: Buffer): void => {
        out += chunk.toString();
        const m = /listening on (http:\/\/\S+) /.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      npm.stdout!.on('data', onData);
      npm.stderr!.on('data', onData);
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const exited = new Promise<number | null>((r) => npm.once('exit', (code) => r(code)));
    npm.kill('SIGTERM');
    await exited;
    // the server itself is gone, not left running without its parent
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    expect(out).toMatch(/"signal":"SIGTERM"[\s\S]*"message":"stopped"/);
  }, 90_000);
});
