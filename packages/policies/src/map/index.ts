/**
 * @fileoverview `map`: declarative field mapping between a source payload (JSON, or XML read as
 * WSO2 reads it) and a target JSON shape, executed deterministically at request time and checked
 * against the target JSON Schema. `synapse-ai map suggest` asks a model once, offline, for a
 * mapping to review: the model is never in the request path.
 */
import { xmlToJson } from '@synapse-ai/json-xml';
import { toPolicyError } from '../transformOptions';
import {
  block,
  definePolicy,
  describeErrors,
  plainJson,
  proceed,
  SaiError,
  type CompiledSchema,
} from '@synapse-ai/sdk';
import { optionSchema } from '../optionSchemas';
import { applyMapping, checkMapping, type Mapping } from './engine';

export { applyMapping, checkMapping, select, type Mapping, type MappingRule } from './engine';

const checked = new WeakMap<object, { schema?: CompiledSchema }>();

function prepare(o: { mapping: object; targetSchema?: object }): { schema?: CompiledSchema } {
  let c = checked.get(o);
  if (!c) {
    const problems = checkMapping(o.mapping as Mapping);
    if (problems.length > 0) {
      throw new SaiError('SAI_ERR_INVALID_OPTIONS', {
        message: 'The map policy is configured wrongly.',
        logDetail: { problems },
      });
    }
    c = o.targetSchema ? { schema: optionSchema(o.targetSchema, 'map', 'targetSchema') } : {};
    checked.set(o, c);
  }
  return c;
}

export default definePolicy({
  meta: {
    name: 'map',
    version: '1.0.0',
    description:
      'Maps fields of a JSON or XML payload to a target JSON shape, deterministically, and checks it against the target schema.',
    flows: ['request', 'response'],
    stage: 'transform',
    priority: 250,
    accepts: ['json', 'xml'],
    produces: 'json',
  },
  options: {
    type: 'object',
    properties: {
      mapping: {
        type: 'object',
        default: {},
        additionalProperties: {
          anyOf: [
            { type: 'string', pattern: '^\\$' },
            {
              type: 'object',
              properties: {
                from: { type: 'string', pattern: '^\\$' },
                value: {},
                type: { enum: ['string', 'number', 'integer', 'boolean'] },
                default: {},
                transform: { enum: ['trim', 'upper', 'lower', 'split'] },
                separator: { type: 'string', minLength: 1, maxLength: 8 },
              },
              additionalProperties: false,
            },
          ],
        },
        description: 'Target path → source path, or { from, type, default, transform, value }.',
      },
      targetSchema: { type: 'object', description: 'JSON Schema the mapped document must satisfy.' },
    },
    additionalProperties: false,
  },
  handler(message, ctx) {
    const o = ctx.options;
    const c = prepare(o);
    const payload = message.payload;
    let source: unknown;
    if (payload.kind === 'json') source = plainJson(payload);
    else if (payload.kind === 'xml') {
      let text: string;
      try {
        text = xmlToJson(payload.xml.text);
      } catch (err) {
        throw toPolicyError(err); // mixed content and the like: 422 with the reason, as xml-to-json answers
      }
      if (text === '') {
        return block('SAI_ERR_INPUT_INVALID', 'The XML body converts to no JSON value (an empty <jsonValue/>).', {
          status: 422,
        });
      }
      source = JSON.parse(text);
    } else return block('SAI_ERR_UNSUPPORTED_MEDIA_TYPE', 'The map policy needs a JSON or XML body.', { status: 415 });
    const { target, missing } = applyMapping(source, o.mapping as Mapping);
    if (c.schema && !c.schema.validate(target)) {
      const problems = describeErrors(c.schema.validate.errors, target, 'target', true);
      return block(
        'SAI_ERR_INPUT_INVALID',
        `The request does not carry what the target format needs: ${problems.slice(0, 3).join('; ')}`,
        {
          status: 422,
          logDetail: { problems, missing },
        },
      );
    }
    return proceed({
      json: target as never,
      contentType: 'application/json',
      ...(missing.length > 0 ? { note: `no value for ${missing.slice(0, 5).join(', ')}` } : {}),
    });
  },
});
