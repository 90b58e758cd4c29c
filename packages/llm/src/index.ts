/**
 * @fileoverview The LLM layer of the sidecar and a local OpenAI-compatible server for tests.
 */
export { CircuitBreaker, LlmConfigError, LlmLayer } from './layer';
export type { BreakerState, ChainTarget, LlmLayerConfig, ProviderConfig } from './layer';
export { TestLlmServer } from './testServer';
export type { Behaviour, RecordedRequest } from './testServer';
