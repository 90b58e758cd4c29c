/**
 * @fileoverview `json-to-xml`: converts a JSON payload to the XML WSO2's gateway would build from it,
 * honouring the Synapse JSON properties given as options.
 */
import { jsonToXml } from '@synapse-ai/json-xml';
import { definePolicy, proceed, serializePayload } from '@synapse-ai/sdk';
import { asProperties, toPolicyError, transformOptionsSchema } from '../transformOptions';

export default definePolicy({
  meta: {
    name: 'json-to-xml',
    version: '1.0.0',
    description:
      'Converts a JSON payload to XML exactly as the WSO2 gateway does (Synapse JSON properties as options).',
    flows: ['request', 'response', 'fault'],
    stage: 'transform',
    priority: 300,
    accepts: ['json'],
    produces: 'xml',
  },
  options: transformOptionsSchema,
  handler(message, ctx) {
    let xml: string;
    try {
      xml = jsonToXml(serializePayload(message.payload), asProperties(ctx.options as Record<string, string | boolean>));
    } catch (err) {
      throw toPolicyError(err);
    }
    // the converter writes well-formed XML or refuses
    return proceed({ xml, contentType: 'application/xml', wellFormed: true });
  },
});
