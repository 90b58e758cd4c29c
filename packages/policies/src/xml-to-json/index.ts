/**
 * @fileoverview `xml-to-json`: converts an XML payload to the JSON WSO2's gateway would write for it,
 * honouring the Synapse JSON properties given as options.
 */
import { xmlToJson } from '@synapse-ai/json-xml';
import { definePolicy, proceed, serializePayload } from '@synapse-ai/sdk';
import { asProperties, toPolicyError, transformOptionsSchema } from '../transformOptions';

export default definePolicy({
  meta: {
    name: 'xml-to-json',
    version: '1.0.0',
    description:
      'Converts an XML payload to JSON exactly as the WSO2 gateway does (Synapse JSON properties as options).',
    flows: ['request', 'response', 'fault'],
    stage: 'transform',
    priority: 300,
    accepts: ['xml'],
    produces: 'json',
  },
  options: transformOptionsSchema,
  handler(message, ctx) {
    let json: string;
    try {
      json = xmlToJson(
        serializePayload(message.payload),
        asProperties(ctx.options as Record<string, string | boolean>),
      );
    } catch (err) {
      throw toPolicyError(err);
    }
    // WSO2 writes nothing for an empty <jsonValue/> (checked on the engine): an empty JSON body
    if (json === '') return proceed({ text: '', contentType: 'application/json' });
    // the converter writes JSON or refuses
    return proceed({ jsonText: json, contentType: 'application/json', wellFormed: true });
  },
});
