/**
 * @fileoverview `synapse-ai validate`: lints Synapse XML and API Manager policy templates, with the
 * output formats CI systems read. Exit codes: 0 clean, 1 findings at or above --fail-severity,
 * 2 usage or tool error.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  checkConfig,
  failsAt,
  FORMATTERS,
  relativeTo,
  RULES,
  SEVERITIES,
  validatePaths,
  type Severity,
  type ValidatorConfig,
} from '@synapse-ai/validator';
import { CliError, EXIT, type Command } from '../cli';

export const CONFIG_FILE = '.synapse-ai-validate.json';

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Policy and pipeline names from a sidecar catalogue (`GET /v1/policies`), read from a file or URL. */
export async function loadSidecarCatalog(source: string): Promise<Set<string>> {
  let body: unknown;
  if (/^https?:\/\//.test(source)) {
    let res: Response;
    try {
      res = await fetch(source, { signal: AbortSignal.timeout(10_000), headers: { accept: 'application/json' } });
    } catch (err) {
      throw new CliError(`cannot fetch the sidecar catalogue from ${source}: ${(err as Error).message}.`);
    }
    if (!res.ok) throw new CliError(`${source} answered ${res.status}; expected the JSON of GET /v1/policies.`);
    body = await res.json().catch(() => {
      throw new CliError(`${source} did not answer JSON.`);
    });
  } else {
    body = readJson(source, 'the sidecar catalogue');
  }
  const b = body as { policies?: Array<{ name?: unknown }>; pipelines?: Array<{ name?: unknown }> };
  if (!Array.isArray(b.policies)) {
    throw new CliError(
      `${source} is not a sidecar catalogue: expected { "policies": [...], "pipelines": [...] } as GET /v1/policies answers.`,
    );
  }
  const names = new Set<string>();
  for (const p of [...b.policies, ...(Array.isArray(b.pipelines) ? b.pipelines : [])]) {
    if (typeof p?.name === 'string') names.add(p.name);
  }
  return names;
}

function listRules(): string {
  const width = Math.max(...RULES.map((r) => r.meta.id.length));
  return (
    RULES.map((r) => `${r.meta.id.padEnd(width)}  ${r.meta.severity.padEnd(7)}  ${r.meta.description}`).join('\n') +
    '\n'
  );
}

export const validateCommand: Command = {
  name: 'validate',
  summary: 'Lint Synapse sequences, templates, APIs, endpoints, local entries and API Manager policies.',
  usage: 'synapse-ai validate [PATH ...] [--format stylish|json|junit|sarif] [--output FILE] [options]',
  optionsHelp: `  PATH                    Files or folders (.xml, .j2 with its .yaml/.json); default: .
  -f, --format F          stylish (default), json, junit or sarif
  -o, --output FILE       Write the report to FILE instead of standard output
      --fail-severity S   Exit 1 for findings at or above S: error (default), warning or info
  -c, --config FILE       Rule settings (default: ./${CONFIG_FILE} when present)
      --xsd DIR           Also validate against the XML Schema set in DIR (e.g. WSO2's official one)
      --sidecar-catalog F Sidecar catalogue (a file, or the URL of GET /v1/policies) that calls to the
                          sidecar are checked against
      --list-rules        Print the rules and exit`,
  notes: `Configuration (${CONFIG_FILE}):
  { "rules": { "no-payload-logging": "error", "name-matches-file": "off" }, "ignore": ["**/legacy/**"] }
Inline: <!-- synapse-ai-disable rule-id: reason --> … <!-- synapse-ai-enable rule-id -->,
        <!-- synapse-ai-disable-next-line rule-id -->
Exit codes: 0 clean, 1 findings at or above --fail-severity, 2 usage or tool error.`,
  options: {
    format: { type: 'string', short: 'f' },
    output: { type: 'string', short: 'o' },
    'fail-severity': { type: 'string' },
    config: { type: 'string', short: 'c' },
    xsd: { type: 'string' },
    'sidecar-catalog': { type: 'string' },
    'list-rules': { type: 'boolean' },
  },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    if (values['list-rules'] === true) {
      io.stdout.write(listRules());
      return EXIT.OK;
    }
    const format = (values.format as string | undefined) ?? 'stylish';
    const formatter = FORMATTERS[format];
    if (!formatter)
      throw new CliError(`--format must be one of ${Object.keys(FORMATTERS).join(', ')} (got "${format}").`);
    const failSeverity = (values['fail-severity'] as string | undefined) ?? 'error';
    if (!SEVERITIES.includes(failSeverity as Severity)) {
      throw new CliError(`--fail-severity must be one of ${SEVERITIES.join(', ')} (got "${failSeverity}").`);
    }
    let config: ValidatorConfig = {};
    const configFile = (values.config as string | undefined) ?? (existsSync(CONFIG_FILE) ? CONFIG_FILE : undefined);
    if (configFile !== undefined) {
      try {
        config = checkConfig(readJson(configFile, 'the configuration'), configFile);
      } catch (err) {
        if (err instanceof CliError) throw err;
        throw new CliError((err as Error).message);
      }
    }
    const xsdDir = values.xsd as string | undefined;
    if (xsdDir !== undefined && !existsSync(resolve(xsdDir, 'sequence.xsd'))) {
      throw new CliError(`--xsd ${xsdDir} holds no sequence.xsd. Fix: pass the folder of the Synapse schema set.`);
    }
    const catalog = values['sidecar-catalog'] as string | undefined;
    const sidecarPolicies = catalog === undefined ? undefined : await loadSidecarCatalog(catalog);
    const paths = positionals.length > 0 ? positionals : ['.'];
    let result;
    try {
      result = await validatePaths(paths, {
        config,
        ...(sidecarPolicies ? { sidecarPolicies } : {}),
        ...(xsdDir ? { xsdDir } : {}),
      });
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    const cwd = process.cwd();
    const report = formatter(result.diagnostics, {
      files: result.files,
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      version: (require('../../package.json') as { version: string }).version,
      display: (f) => relativeTo(cwd, f),
    });
    if (values.output !== undefined) {
      try {
        writeFileSync(values.output as string, report);
      } catch (err) {
        throw new CliError(
          `cannot write ${String(values.output)} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`,
        );
      }
    } else io.stdout.write(report);
    return failsAt(result.diagnostics, failSeverity as Severity) ? EXIT.FINDINGS : EXIT.OK;
  },
};
