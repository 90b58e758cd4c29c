/**
 * @fileoverview The synapse-ai sidecar: the HTTP service WSO2 mediation flows call.
 */
export { buildRegistry, createApp } from './app';
export type { AppServices, Registry, SidecarApp } from './app';
export { TokenAuth } from './auth';
export { ConfigError, configSchema, isLoopbackHost, loadConfig, parseSize } from './config';
export type { LoadOptions, PipelineStep, SidecarConfig } from './config';
export { createLogger, redactFields, REDACTED_FIELDS } from './logger';
export { SidecarMetrics } from './metrics';
export { checkExposure, startSidecar } from './server';
export type { RunningSidecar, StartOptions } from './server';
export { RedisStore } from './redisStore';
export type { RedisStoreOptions } from './redisStore';
export {
  AuditFileError,
  AuditLog,
  canonicalJson,
  chainFiles,
  headFileOf,
  readAuditHead,
  verifyAuditChain,
} from './audit';
export type { AuditEvent, AuditHead, AuditOptions, TailRepair, VerifyOptions, VerifyResult } from './audit';
export { hostileBodies } from './hostile';
