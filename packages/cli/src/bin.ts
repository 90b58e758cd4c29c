/**
 * @fileoverview The `synapse-ai` command: a thin shell over the packages.
 */
import { CliError, EXIT, helpText, parse, type Command, type Io } from './cli';
import { adviceCommand } from './commands/advice';
import { audit } from './commands/audit';
import { generateCommand } from './commands/generate';
import { analyticsCommand, assistantCommand, quotaCommand, specCommand } from './commands/lifecycle';
import { mapCommand } from './commands/map';
import { redactCommand } from './commands/redact';
import { serve } from './commands/serve';
import { transform } from './commands/transform';
import { usageCommand } from './commands/usage';
import { validateCommand } from './commands/validate';

export const commands: readonly Command[] = [
  serve,
  generateCommand,
  validateCommand,
  transform,
  redactCommand,
  mapCommand,
  audit,
  usageCommand,
  adviceCommand,
  specCommand,
  assistantCommand,
  analyticsCommand,
  quotaCommand,
];

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Usage: synapse-ai <command> [options]

The AI companion of WSO2 API Manager and Micro Integrator gateways.

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run \`synapse-ai <command> --help\` for a command's options.
Exit codes: 0 ok, 1 findings, 2 usage or tool error.
`;
}

/** Runs the command line and returns the exit code. */
export async function main(argv: string[], io: Partial<Io> = {}): Promise<number> {
  const full: Io = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    stdin: io.stdin ?? process.stdin,
    env: io.env ?? process.env,
  };
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    full[name === undefined ? 'stderr' : 'stdout'].write(mainHelp());
    return name === undefined ? EXIT.ERROR : EXIT.OK;
  }
  if (name === '--version' || name === '-v') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    full.stdout.write(`${(require('../package.json') as { version: string }).version}\n`);
    return EXIT.OK;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const close = commands.find((c) => c.name.startsWith(name.slice(0, 2)));
    full.stderr.write(
      `synapse-ai: unknown command '${name}'.${close ? ` Did you mean '${close.name}'?` : ''} Run \`synapse-ai --help\`.\n`,
    );
    return EXIT.ERROR;
  }
  try {
    const args = parse(command, rest);
    if (args.values.help === true) {
      full.stdout.write(helpText(command));
      return EXIT.OK;
    }
    return await command.run(args, full);
  } catch (err) {
    if (err instanceof CliError) {
      full.stderr.write(`synapse-ai ${command.name}: ${err.message}\n${err.hint ? `${err.hint}\n` : ''}`);
      return EXIT.ERROR;
    }
    throw err;
  }
}
