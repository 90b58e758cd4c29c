/**
 * @fileoverview `synapse-ai redact`: redacts a JSON, XML or text file (or stdin) and prints it, with
 * the counts per type on standard error.
 */
import { decodeUtf8, type JsonXmlError } from '@synapse-ai/json-xml';
import { DEFAULT_TYPES, redact, RedactError, summaryHeader } from '@synapse-ai/redact';
import { CliError, EXIT, readInput, type Command } from '../cli';

const TYPES = { json: 'application/json', xml: 'application/xml', text: 'text/plain' } as const;

function guessType(file: string | undefined, text: string): keyof typeof TYPES {
  if (file?.endsWith('.json')) return 'json';
  if (file && /\.(xml|wsdl|xsd)$/.test(file)) return 'xml';
  const t = text.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) return 'json';
  if (t.startsWith('<')) return 'xml';
  return 'text';
}

export const redactCommand: Command = {
  name: 'redact',
  summary: 'Redact personal data and secrets in a JSON, XML or text payload, keeping its structure.',
  usage: 'synapse-ai redact [--type json|xml|text] [--types T,T] [--country CC] [FILE|-]',
  optionsHelp: `      --type json|xml|text  How to read the input (default: from the file name or the content)
      --types T,T           Types to detect (default: ${DEFAULT_TYPES.join(',')})
      --country CC          Region for phone numbers written without + (e.g. US)
  FILE                      Input file; '-' or nothing reads standard input`,
  notes: `Prints the redacted payload on standard output and the counts on standard error.
Exit codes: 0 nothing found, 1 personal data found and redacted, 2 usage error or input that cannot be read.`,
  options: { type: { type: 'string' }, types: { type: 'string' }, country: { type: 'string' } },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    const kind = values.type as string | undefined;
    if (kind !== undefined && !(kind in TYPES))
      throw new CliError(`--type must be json, xml or text (got ${JSON.stringify(kind)}).`);
    const country = values.country as string | undefined;
    if (country !== undefined && !/^[A-Z]{2}$/.test(country))
      throw new CliError(`--country takes a two-letter region such as US (got ${JSON.stringify(country)}).`);
    if (positionals.length > 1) throw new CliError(`give one input file (got ${positionals.length}).`);
    const types = (values.types as string | undefined)
      ?.split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const file = positionals[0];
    const bytes = await readInput(file, io);
    let text: string;
    try {
      text = decodeUtf8(bytes);
    } catch (err) {
      throw new CliError((err as JsonXmlError).message);
    }
    const type = (kind as keyof typeof TYPES | undefined) ?? guessType(file, text);
    try {
      const result = redact(text, {
        contentType: TYPES[type],
        ...(types ? { types } : {}),
        ...(country ? { defaultCountry: country } : {}),
      });
      io.stdout.write(result.body.endsWith('\n') ? result.body : `${result.body}\n`);
      io.stderr.write(
        `synapse-ai redact: ${result.findings.length === 0 ? 'nothing found' : summaryHeader(result.summary)}\n`,
      );
      return result.findings.length === 0 ? EXIT.OK : EXIT.FINDINGS;
    } catch (err) {
      if (err instanceof RedactError) throw new CliError(`${file && file !== '-' ? `${file}: ` : ''}${err.message}`);
      throw err;
    }
  },
};
