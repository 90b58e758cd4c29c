/**
 * @fileoverview Command plumbing shared by every `synapse-ai` command: argument parsing with
 * `node:util` parseArgs, `--help`, and the exit-code contract (0 ok, 1 findings, 2 usage or tool error).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';

export const EXIT = { OK: 0, FINDINGS: 1, ERROR: 2 } as const;

/** A usage or tool error: printed without a stack trace, exit code 2. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** The option lines of `--help` (`-h, --help` is added). */
  optionsHelp: string;
  /** Paragraphs after the options in `--help`. */
  notes?: string;
  options: NonNullable<ParseArgsConfig['options']>;
  allowPositionals?: boolean;
  run(args: { values: Record<string, unknown>; positionals: string[] }, io: Io): Promise<number>;
}

export function parse(command: Command, argv: string[]): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
    });
    return { values: values as Record<string, unknown>, positionals };
  } catch (err) {
    throw new CliError(
      (err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''),
      `Run \`synapse-ai ${command.name} --help\`.`,
    );
  }
}

export function helpText(command: Command): string {
  const notes = command.notes ? `\n${command.notes.trimEnd()}\n` : '';
  return `Usage: ${command.usage}\n\n${command.summary}\n\nOptions:\n${command.optionsHelp.trimEnd()}\n  -h, --help            Show this help\n${notes}`;
}

/** Parses a whole number flag, or throws a usage error naming it. */
export function intFlag(name: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const s = String(value);
  const n = Number(s);
  if (!/^\d+$/.test(s) || n < min || n > max)
    throw new CliError(`--${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(s)}).`);
  return n;
}

/** Reads a file, or standard input for `-` or no file. @throws {CliError} when the file cannot be read. */
export async function readInput(file: string | undefined, io: Io): Promise<Buffer> {
  if (file !== undefined && file !== '-') {
    try {
      return await readFile(file);
    } catch (err) {
      throw new CliError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}
