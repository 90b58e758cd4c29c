/**
 * @fileoverview JSON Schemas that operators write in policy options (guard, validate-output, map):
 * compiled once per options object; a schema that is not valid JSON Schema is a configuration
 * error naming the policy and the option.
 */
import { compileConfiguredSchema, SaiError, type CompiledSchema } from '@synapse-ai/sdk';

const cache = new WeakMap<object, CompiledSchema>();

/** @throws {SaiError} SAI_ERR_INVALID_OPTIONS when `schema` is not a valid JSON Schema. */
export function optionSchema(schema: object, policy: string, option: string): CompiledSchema {
  let c = cache.get(schema);
  if (!c) {
    try {
      c = compileConfiguredSchema(schema as Record<string, unknown>);
    } catch (err) {
      throw new SaiError('SAI_ERR_INVALID_OPTIONS', {
        message: `The ${policy} policy is configured wrongly.`,
        logDetail: { reason: `options.${option} is not a valid JSON Schema: ${(err as Error).message}` },
      });
    }
    cache.set(schema, c);
  }
  return c;
}
