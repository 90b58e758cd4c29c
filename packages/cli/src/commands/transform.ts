/**
 * @fileoverview `synapse-ai transform`: JSON ⇄ XML as WSO2's gateway converts, from a file or stdin.
 */
import { readFileSync } from 'node:fs';
import { decodeUtf8, jsonToXml, JsonXmlError, xmlToJson } from '@synapse-ai/json-xml';
import { CliError, EXIT, readInput, type Command } from '../cli';

/** Reads `key=value` lines of a synapse.properties file (`#` and `!` comments, `:` also separates). */
export function parsePropertiesFile(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) return;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (!m) throw new CliError(`${file}:${i + 1}: expected key=value (got ${JSON.stringify(line.slice(0, 60))}).`);
    out[m[1]!] = m[2]!;
  });
  return out;
}

export const transform: Command = {
  name: 'transform',
  summary: 'Convert JSON to XML or XML to JSON exactly as the WSO2 gateway does.',
  usage: 'synapse-ai transform --to xml|json [--property k=v ...] [--properties FILE] [FILE|-]',
  optionsHelp: `  -t, --to xml|json      Target format (required)
  -p, --property K=V     A Synapse property, e.g. synapse.commons.json.buildValidNCNames=true
                         (repeatable; MI deployment.toml [mediation] names work too)
      --properties FILE  Read properties from a synapse.properties file (--property wins)
  FILE                   Input file; '-' or nothing reads standard input`,
  notes: `Exit codes: 0 converted, 1 the input cannot be converted (the message says where and why),
2 usage error or unreadable file.`,
  options: {
    to: { type: 'string', short: 't' },
    property: { type: 'string', short: 'p', multiple: true },
    properties: { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    const to = values.to as string | undefined;
    if (to !== 'xml' && to !== 'json')
      throw new CliError(`--to must be xml or json${to === undefined ? '' : ` (got ${JSON.stringify(to)})`}.`);
    if (positionals.length > 1) throw new CliError(`give one input file (got ${positionals.length}).`);
    const props: Record<string, string> = {};
    if (values.properties !== undefined) {
      const file = values.properties as string;
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new CliError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
      }
      Object.assign(props, parsePropertiesFile(text, file));
    }
    for (const p of (values.property as string[] | undefined) ?? []) {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new CliError(`--property takes key=value (got ${JSON.stringify(p)}).`);
      props[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    }
    const bytes = await readInput(positionals[0], io);
    try {
      const text = decodeUtf8(bytes);
      const out = to === 'xml' ? jsonToXml(text, props) : xmlToJson(text, props);
      io.stdout.write(`${out}\n`);
      return EXIT.OK;
    } catch (err) {
      if (!(err instanceof JsonXmlError)) throw err;
      if (err.code === 'JSONXML_BAD_PROPERTY') throw new CliError(err.message);
      io.stderr.write(
        `synapse-ai transform: ${positionals[0] && positionals[0] !== '-' ? `${positionals[0]}: ` : ''}${err.message} [${err.code}]\n`,
      );
      return EXIT.FINDINGS;
    }
  },
};
