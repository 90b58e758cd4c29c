/**
 * @fileoverview The LLM layer of the sidecar and a local OpenAI-compatible server for tests.
 */
export { CircuitBreaker, LlmConfigError, LlmLayer } from './layer';
export type { BreakerState, CallOptions, ChainTarget, LlmLayerConfig, ProviderConfig, SharedState } from './layer';
export { TestLlmServer } from './testServer';
export type { Behaviour, RecordedRequest } from './testServer';
export { daysBetween, estimateTokens, Meter } from './meter';
export type { CallWho, Prices, QuotaDecision, QuotaRule, UsageDimension, UsageRow, Window } from './meter';
