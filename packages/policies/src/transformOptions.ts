/**
 * @fileoverview What the two transform policies share: options named exactly as the Synapse
 * properties (and MI deployment.toml aliases) admins already have, and the mapping of converter
 * errors to the error catalogue.
 */
import { JsonXmlError, PROPERTIES, type PropertyInfo } from '@synapse-ai/json-xml';
import { SaiError } from '@synapse-ai/sdk';

function schemaFor(p: PropertyInfo): Record<string, unknown> {
  const description = `${p.description} (default ${JSON.stringify(p.default)})`;
  return p.kind === 'boolean'
    ? { enum: ['true', 'false', true, false], description }
    : { type: 'string', maxLength: 1024, description };
}

/** Options: any of the converter's Synapse properties, by synapse.properties name or MI alias. */
export const transformOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(
    (PROPERTIES as readonly PropertyInfo[]).flatMap((p) => [
      [p.name, schemaFor(p)],
      ...(p.alias ? [[p.alias, schemaFor(p)]] : []),
    ]),
  ),
} as const;

/** Converter errors → catalogue errors. The messages name the client's own keys and positions only. */
export function toPolicyError(err: unknown): unknown {
  if (!(err instanceof JsonXmlError)) return err;
  const extensions = err.line === undefined ? undefined : { line: err.line, column: err.column };
  switch (err.code) {
    case 'JSONXML_MALFORMED_JSON':
      return new SaiError('SAI_ERR_MALFORMED_JSON', { message: err.message, extensions });
    case 'JSONXML_MALFORMED_XML':
    case 'JSONXML_DTD_REFUSED':
      return new SaiError('SAI_ERR_MALFORMED_XML', { message: err.message, extensions });
    case 'JSONXML_INVALID_UTF8':
      return new SaiError('SAI_ERR_BAD_REQUEST', { message: err.message });
    case 'JSONXML_BAD_PROPERTY':
      return new SaiError('SAI_ERR_INVALID_OPTIONS', { logDetail: { reason: err.message } });
    default:
      return new SaiError('SAI_ERR_INPUT_INVALID', { message: err.message, extensions: { reason: err.code } });
  }
}

/** Options as the converter takes them (booleans as the strings synapse.properties holds). */
export function asProperties(options: Readonly<Record<string, string | boolean>>): Record<string, string> {
  return Object.fromEntries(Object.entries(options).map(([k, v]) => [k, String(v)]));
}
