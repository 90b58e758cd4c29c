/**
 * @fileoverview `synapse-ai audit verify FILE`: checks the audit log's hash chain across its rotated
 * files and reports the first broken link.
 */
import { existsSync } from 'node:fs';
import { chainFiles, readAuditHead, verifyAuditChain } from '@synapse-ai/sidecar';
import { CliError, EXIT, type Command } from '../cli';

export const audit: Command = {
  name: 'audit',
  summary: 'Verify the tamper-evident audit log (audit verify FILE).',
  usage: 'synapse-ai audit verify FILE [--allow-missing-head]',
  optionsHelp: `  FILE                  The current audit log; its rotated files (FILE.000001, …) are checked first,
                        and FILE.head (the sealed newest record) must be reached
  --allow-missing-head  Accept a log without FILE.head (written before heads existed)`,
  notes: `The head's seal is checked with SAI_AUDIT_HEAD_KEY when the sidecar was given one.
Exit codes: 0 the chain is intact, 1 a broken link or missing records (the first problem is named),
2 usage error or unreadable file.`,
  options: { 'allow-missing-head': { type: 'boolean' } },
  allowPositionals: true,
  run({ positionals, values }, io) {
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
      const key = process.env.SAI_AUDIT_HEAD_KEY;
      result = verifyAuditChain(files, {
        head: readAuditHead(file),
        allowMissingHead: values['allow-missing-head'] === true,
        ...(key ? { headKey: key } : {}),
      });
    } catch (err) {
      throw new CliError(`cannot read the audit log: ${(err as Error).message}`);
    }
    if (result.ok) {
      io.stdout.write(
        `audit chain intact: ${result.records} records in ${result.files} file${result.files === 1 ? '' : 's'}${result.head === 'matched' ? ', up to the sealed head' : ' (no head: the newest records are not proven complete)'}\n`,
      );
      return Promise.resolve(EXIT.OK);
    }
    io.stdout.write(
      `audit chain broken at ${result.file}:${result.line}${result.seq !== undefined ? ` (seq ${result.seq})` : ''}: ${result.reason}\n`,
    );
    return Promise.resolve(EXIT.FINDINGS);
  },
};
