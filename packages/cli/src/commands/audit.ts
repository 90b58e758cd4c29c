/**
 * @fileoverview `synapse-ai audit verify FILE`: checks the audit log's hash chain across its rotated
 * files and reports the first broken link.
 */
import { existsSync } from 'node:fs';
import { chainFiles, verifyAuditChain } from '@synapse-ai/sidecar';
import { CliError, EXIT, type Command } from '../cli';

export const audit: Command = {
  name: 'audit',
  summary: 'Verify the tamper-evident audit log (audit verify FILE).',
  usage: 'synapse-ai audit verify FILE',
  optionsHelp: `  FILE                  The current audit log; its rotated files (FILE.000001, …) are checked first`,
  notes: `Exit codes: 0 the chain is intact, 1 a broken link (the first is named), 2 usage error or unreadable file.`,
  options: {},
  allowPositionals: true,
  run({ positionals }, io) {
    const [verb, file, ...rest] = positionals;
    if (verb !== 'verify')
      throw new CliError(
        verb === undefined ? 'say what to do: audit verify FILE.' : `unknown audit action '${verb}' (use verify).`,
      );
    if (file === undefined || rest.length > 0) throw new CliError('give exactly one audit log file.');
    if (!existsSync(file)) throw new CliError(`cannot read ${file} (ENOENT).`);
    const files = chainFiles(file);
    let result;
    try {
      result = verifyAuditChain(files);
    } catch (err) {
      throw new CliError(`cannot read the audit log: ${(err as Error).message}`);
    }
    if (result.ok) {
      io.stdout.write(
        `audit chain intact: ${result.records} records in ${result.files} file${result.files === 1 ? '' : 's'}\n`,
      );
      return Promise.resolve(EXIT.OK);
    }
    io.stdout.write(
      `audit chain broken at ${result.file}:${result.line}${result.seq !== undefined ? ` (seq ${result.seq})` : ''}: ${result.reason}\n`,
    );
    return Promise.resolve(EXIT.FINDINGS);
  },
};
