/**
 * @fileoverview winston JSON logs. Secrets and message bodies are removed by declaration: any field
 * whose name is in {@link REDACTED_FIELDS} is replaced before the record is written, at any depth.
 */
import winston from 'winston';
import { redactLogRecord } from '@synapse-ai/redact';
import type { Logger } from '@synapse-ai/sdk';

/** Field names never written to logs (compared case-insensitively, ignoring `-` and `_`). */
export const REDACTED_FIELDS = [
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'token',
  'tokens',
  'accesstoken',
  'refreshtoken',
  'apikey',
  'password',
  'secret',
  'clientsecret',
  'body',
  'payload',
  'rawbody',
  'prompt',
] as const;

const redactedSet = new Set<string>(REDACTED_FIELDS);
const normalize = (key: string): string => key.toLowerCase().replace(/[-_]/g, '');

function scrub(value: unknown, depth: number): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: value.message };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = redactedSet.has(normalize(k)) ? '[REDACTED]' : scrub(v, depth + 1);
  return out;
}

/** The sidecar's own addresses: not personal data, so the PII filter leaves these exact values alone. */
const ownValues = new Set<string>();

/** Lets an exact value (the URL the sidecar listens on) through the PII filter of every log record. */
export function trustLogValue(value: string): void {
  ownValues.add(value);
}

/** A winston format that replaces personal data in any remaining string with its type (`<EMAIL>`). */
export const redactPiiFormat = winston.format((info) => redactLogRecord(info, ownValues));

/** A winston format that replaces every redacted field with `[REDACTED]`. */
export const redactFields = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (redactedSet.has(normalize(key))) info[key] = '[REDACTED]';
    else if (info[key] !== null && typeof info[key] === 'object') info[key] = scrub(info[key], 0);
  }
  return info;
});

export interface LoggerOptions {
  level: string;
  /** Where records go; standard output by default. */
  stream?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): winston.Logger & Logger {
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  const logger = winston.createLogger({
    level: options.level,
    format: winston.format.combine(
      redactFields(),
      redactPiiFormat(),
      winston.format.timestamp(),
      winston.format.json(),
    ),
    defaultMeta: { service: 'synapse-ai-sidecar' },
    transports: [transport],
  }) as winston.Logger & Logger;
  // winston runs every record through its formats (here: field and PII redaction) before the
  // transport drops it for its level; a record below the level is dropped at the call instead.
  // Children (Object.create of this logger) inherit the guarded methods.
  for (const level of ['debug', 'verbose', 'info', 'http', 'warn'] as const) {
    const write = logger[level] as unknown as (this: winston.Logger, ...args: unknown[]) => winston.Logger;
    const guarded = function (this: winston.Logger, ...args: unknown[]): winston.Logger {
      if (!this.isLevelEnabled(level)) return this;
      return write.apply(this, args);
    };
    (logger as unknown as Record<string, unknown>)[level] = guarded;
  }
  return logger;
}
