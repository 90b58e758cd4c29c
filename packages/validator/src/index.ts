/**
 * @fileoverview `@synapse-ai/validator`: the linter CI runs over Synapse sequences, templates, APIs,
 * endpoints, local entries and API Manager policy pairs.
 */
export * from './types';
export * from './document';
export * from './engine';
export * from './expressions';
export * from './formatters';
export { RULES, RULES_BY_ID } from './rules';
export { isMediator, isConnectorOperation, mediatorSpec, rootSpec, childSpec, MEDIATOR_NAMES } from './catalogue';
