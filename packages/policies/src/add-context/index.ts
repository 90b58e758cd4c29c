/**
 * @fileoverview `add-context`: copies the gateway context (tenant, role, API, consumer, correlation
 * id, flow) into the JSON body under a configurable key, as typed JSON values.
 */
import { CONTEXT_FIELDS, definePolicy, proceed, type JsonObject } from '@synapse-ai/sdk';

export default definePolicy({
  meta: {
    name: 'add-context',
    version: '1.0.0',
    description: 'Copies the gateway context headers into the JSON body under a configurable key.',
    flows: ['request', 'response'],
    stage: 'enrich',
    priority: 500,
  },
  options: {
    type: 'object',
    properties: {
      key: {
        type: 'string',
        minLength: 1,
        maxLength: 128,
        default: 'gateway',
        description: 'Top-level member of the body that receives the context object.',
      },
      fields: {
        type: 'array',
        items: { enum: CONTEXT_FIELDS },
        uniqueItems: true,
        default: CONTEXT_FIELDS,
        description: 'Which context fields to copy; absent headers are left out.',
      },
      overwrite: {
        type: 'boolean',
        default: true,
        description: 'Replace a member that already has the key; when false the request is left as it is.',
      },
    },
    additionalProperties: false,
  },
  input: { type: 'object' },
  handler(message, ctx) {
    const { key, fields = CONTEXT_FIELDS, overwrite } = ctx.options;
    const body = message.payload.value as JsonObject;
    if (!overwrite && Object.prototype.hasOwnProperty.call(body, key)) return proceed({ modified: false });
    const context: JsonObject = {};
    for (const field of fields) {
      const value = message.context[field];
      if (value !== undefined) context[field] = value;
    }
    const out: JsonObject = { ...body };
    Object.defineProperty(out, key, { value: context, enumerable: true, writable: true, configurable: true });
    return proceed({ json: out });
  },
});
