/**
 * @fileoverview The policy SDK: declare a policy once, get its route, schemas, types, tests and
 * Synapse artefact description.
 */
export { JsonNumber } from '@synapse-ai/json-xml';
export type { JsonObject, JsonValue } from '@synapse-ai/json-xml';
export * from './errors';
export * from './message';
export * from './gateway';
export * from './context';
export * from './policy';
export * from './runtime';
export * from './schema';
export * from './tester';
