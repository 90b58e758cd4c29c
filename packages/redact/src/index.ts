/**
 * @fileoverview PII and secret detection and structure-aware redaction for JSON, XML and text.
 */
export { defineDetector, detect, DEFAULT_TYPES, PII_TYPES, STRUCTURED_TYPES } from './detectors';
export type { CustomDetector, DetectOptions, Finding, PiiType } from './detectors';
export { RedactError } from './errors';
export { kindOf, redact, summaryHeader } from './redact';
export type { BodyKind, Operator, PseudonymResolver, RedactOptions, RedactResult } from './redact';
export { RedactPool, redactAsync, sharedRedactPool, WORKER_MIN_CHARS } from './pool';
export type { RedactPoolOptions } from './pool';
export { compileRule } from './rules';
export type { CompiledRule, FieldRule } from './rules';
export { PseudonymVault, redactWithPseudonyms, restore, TOKEN_RE } from './vault';
export type { RestoreResult, VaultOptions, VaultStore } from './vault';
export { redactLogRecord } from './logFormat';
export * as validators from './validators';
