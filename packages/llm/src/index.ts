/**
 * @fileoverview The LLM layer of the sidecar and a local OpenAI-compatible server for tests.
 */
export { CircuitBreaker, DEFAULT_CHAIN, LlmConfigError, LlmLayer } from './layer';
export type {
  AttemptEvent,
  LayerObserver,
  BreakerState,
  CallOptions,
  ChainTarget,
  EmbeddingResult,
  ImageResult,
  LlmFailure,
  LlmLayerConfig,
  LlmRoutes,
  ProviderConfig,
  Route,
  SharedState,
} from './layer';
export { TestLlmServer } from './testServer';
export type { Behaviour, RecordedRequest } from './testServer';
export { ANONYMOUS, daysBetween, estimateTokens, Meter, QUOTA_KINDS, quotaProblems, windowOf } from './meter';
export type {
  CallWho,
  Prices,
  QuotaDecision,
  QuotaKind,
  QuotaLimits,
  QuotaRule,
  Spend,
  Tiers,
  UsageDimension,
  UsageRow,
  Window,
} from './meter';
