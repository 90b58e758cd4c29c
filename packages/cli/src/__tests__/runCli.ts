import { PassThrough } from 'node:stream';
import { main } from '../bin';

/** Runs the command line in process with captured output (and `stdin` as standard input). */
export async function runCli(argv: string[], stdin = '', env: Record<string, string> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const input = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  input.end(stdin);
  const code = await main(argv, { stdout, stderr, stdin: input, env });
  return { code, out, err };
}
