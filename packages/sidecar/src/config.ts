/**
 * @fileoverview Sidecar configuration: a YAML or JSON file, then environment overrides, then
 * command-line overrides; validated with ajv at start-up and deeply frozen. A bad value stops the
 * start with a message that names the field, the value and the fix.
 */
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import Ajv from 'ajv';
import { deepFreeze, explainErrors } from '@synapse-ai/sdk';
import { quotaProblems } from '@synapse-ai/llm';
import type { LlmLayerConfig, Prices, QuotaRule, Tiers } from '@synapse-ai/llm';
import type { Policy } from '@synapse-ai/sdk';
import { collectRegistry } from './registry';
import { assistantSchema, type AssistantConfig } from './assistant';
import { productProblems, productSchema, type ProductConfig } from './products';
import { parseDocument } from 'yaml';

export interface PipelineStep {
  policy: string;
  options?: Record<string, unknown>;
}

export interface SidecarConfig {
  server: {
    host: string;
    port: number;
    bodyLimit: number;
    requestTimeoutMs: number;
    shutdownTimeoutMs: number;
    keepAliveTimeoutMs: number;
    maxDepth: number;
  };
  auth: { tokens: string[]; tokenFile?: string };
  logging: { level: 'error' | 'warn' | 'info' | 'debug'; requests: 'none' | 'errors' | 'all' };
  store: { type: 'memory' | 'redis'; url?: string; keyPrefix: string; commandTimeoutMs: number };
  policies: Record<string, { options?: Record<string, unknown> }>;
  pipelines: Record<string, PipelineStep[]>;
  audit: {
    file?: string;
    maxBytes: number;
    prompts: 'hash' | 'redacted';
    onError: 'fail-closed' | 'degrade';
    headKeyEnv: string;
  };
  llm?: LlmLayerConfig & { prices?: Prices; quotas?: QuotaRule[]; tiers?: Tiers };
  /** AI API products: model endpoints in OpenAI's format under /v1/products/<name>. */
  products: Record<string, ProductConfig>;
  /** The developer-portal assistant (`POST /v1/assistant/ask`) and the documentation it answers from. */
  assistant?: AssistantConfig;
}

const NAME = '^[a-z][a-z0-9]*(-[a-z0-9]+)*$';

/** A fallback chain: targets tried in order. */
const CHAIN = {
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['provider', 'model'],
    properties: { provider: { type: 'string' }, model: { type: 'string', minLength: 1 } },
  },
} as const;

/** One limit of a quota rule or a named tier. */
const QUOTA_LIMITS = {
  type: 'object',
  additionalProperties: false,
  required: ['window'],
  properties: {
    requests: { type: 'integer', minimum: 1 },
    tokens: { type: 'integer', minimum: 1 },
    promptTokens: { type: 'integer', minimum: 1 },
    completionTokens: { type: 'integer', minimum: 1 },
    costUsd: { type: 'number', exclusiveMinimum: 0 },
    window: { enum: ['minute', 'hour', 'day', 'month'] },
  },
} as const;

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    server: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        host: { type: 'string', minLength: 1, default: '127.0.0.1' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 8088 },
        bodyLimit: { type: 'integer', minimum: 1, maximum: 1073741824, default: 1048576 },
        requestTimeoutMs: { type: 'integer', minimum: 1, maximum: 600000, default: 10000 },
        shutdownTimeoutMs: { type: 'integer', minimum: 0, maximum: 600000, default: 10000 },
        keepAliveTimeoutMs: { type: 'integer', minimum: 0, maximum: 3600000, default: 65000 },
        maxDepth: { type: 'integer', minimum: 1, maximum: 10000, default: 512 },
      },
    },
    auth: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        tokens: { type: 'array', items: { type: 'string', minLength: 16 }, default: [] },
        tokenFile: { type: 'string', minLength: 1 },
      },
    },
    logging: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        level: { enum: ['error', 'warn', 'info', 'debug'], default: 'info' },
        requests: { enum: ['none', 'errors', 'all'], default: 'errors' },
      },
    },
    store: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        type: { enum: ['memory', 'redis'], default: 'memory' },
        url: { type: 'string', pattern: '^rediss?://' },
        keyPrefix: { type: 'string', maxLength: 64, default: 'sai:' },
        commandTimeoutMs: { type: 'integer', minimum: 10, maximum: 60000, default: 500 },
      },
    },
    llm: {
      type: 'object',
      additionalProperties: false,
      required: ['providers', 'chain'],
      properties: {
        providers: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'type'],
            properties: {
              name: { type: 'string', pattern: NAME },
              type: { enum: ['openai', 'azure', 'compatible'] },
              baseURL: { type: 'string', pattern: '^https?://' },
              apiKeyEnv: { type: 'string', pattern: '^[A-Z_][A-Z0-9_]*$' },
              apiKeyFile: { type: 'string', minLength: 1 },
              endpoint: { type: 'string', pattern: '^https://' },
              apiVersion: { type: 'string', minLength: 1 },
              models: { type: 'array', items: { type: 'string', minLength: 1 } },
            },
          },
        },
        chain: CHAIN,
        chains: { type: 'object', propertyNames: { pattern: NAME }, additionalProperties: CHAIN },
        routes: {
          type: 'object',
          additionalProperties: false,
          properties: {
            pipelines: { type: 'object', propertyNames: { pattern: NAME }, additionalProperties: { type: 'string' } },
            dataClasses: {
              type: 'object',
              propertyNames: { minLength: 1, maxLength: 64 },
              additionalProperties: { type: 'string' },
            },
          },
        },
        timeoutMs: { type: 'integer', minimum: 100, maximum: 600000, default: 10000 },
        maxRetries: { type: 'integer', minimum: 0, maximum: 10, default: 2 },
        concurrency: { type: 'integer', minimum: 1, maximum: 10000, default: 16 },
        queue: {
          type: 'object',
          additionalProperties: false,
          required: ['max', 'waitMs'],
          properties: {
            max: { type: 'integer', minimum: 0, maximum: 10000 },
            waitMs: { type: 'integer', minimum: 0, maximum: 60000 },
          },
        },
        maxRetryWaitMs: { type: 'integer', minimum: 0, maximum: 600000, default: 2000 },
        breaker: {
          type: 'object',
          additionalProperties: false,
          properties: { failures: { type: 'integer', minimum: 1 }, openMs: { type: 'integer', minimum: 100 } },
        },
        cache: {
          type: 'object',
          additionalProperties: false,
          required: ['ttlMs'],
          properties: { ttlMs: { type: 'integer', minimum: 1 }, cacheNonDeterministic: { type: 'boolean' } },
        },
        prices: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            required: ['prompt', 'completion'],
            properties: { prompt: { type: 'number', minimum: 0 }, completion: { type: 'number', minimum: 0 } },
          },
        },
        tiers: {
          type: 'object',
          propertyNames: { minLength: 1, maxLength: 128 },
          additionalProperties: { type: 'array', minItems: 1, items: QUOTA_LIMITS },
        },
        quotas: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['scope', 'match'],
            properties: {
              scope: { enum: ['tenant', 'application'] },
              match: { type: 'string', minLength: 1 },
              tier: { type: 'string', minLength: 1 },
              api: { type: 'string', minLength: 1 },
              use: { type: 'string', minLength: 1 },
              ...QUOTA_LIMITS.properties,
              window: QUOTA_LIMITS.properties.window,
              shadow: { type: 'boolean' },
            },
          },
        },
      },
    },
    audit: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        file: { type: 'string', minLength: 1 },
        maxBytes: { type: 'integer', minimum: 1024, default: 67108864 },
        prompts: { enum: ['hash', 'redacted'], default: 'hash' },
        onError: { enum: ['fail-closed', 'degrade'], default: 'fail-closed' },
        headKeyEnv: { type: 'string', pattern: '^[A-Z_][A-Z0-9_]{0,63}$', default: 'SAI_AUDIT_HEAD_KEY' },
      },
    },
    policies: {
      type: 'object',
      default: {},
      propertyNames: { pattern: NAME },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: { options: { type: 'object' } },
      },
    },
    products: {
      type: 'object',
      default: {},
      propertyNames: { pattern: NAME },
      additionalProperties: productSchema,
    },
    assistant: assistantSchema,
    pipelines: {
      type: 'object',
      default: {},
      propertyNames: { pattern: NAME },
      additionalProperties: {
        type: 'array',
        minItems: 1,
        items: {
          anyOf: [
            { type: 'string', pattern: NAME },
            {
              type: 'object',
              additionalProperties: false,
              required: ['policy'],
              properties: { policy: { type: 'string', pattern: NAME }, options: { type: 'object' } },
            },
          ],
        },
      },
    },
  },
} as const;

/** How to fix a bad value, by the field's path (array indices and map keys as `*`). */
const FIXES: Record<string, string> = {
  'server.host': 'set an interface address such as 127.0.0.1 (loopback) or 0.0.0.0 (all interfaces; needs auth tokens)',
  'server.port': 'use a TCP port between 1 and 65535 (0 picks a free one), e.g. 8088',
  'server.bodyLimit': 'give a size in bytes or with a unit, e.g. 10485760 or "10mb" (at most 1gb)',
  'server.requestTimeoutMs': 'give milliseconds between 1 and 600000; keep it below the gateway call timeout',
  'server.shutdownTimeoutMs': 'give milliseconds between 0 and 600000',
  'server.keepAliveTimeoutMs': 'give milliseconds; keep it above the gateway connection idle timeout',
  'server.maxDepth': 'give the deepest JSON nesting to accept, 1 to 10000',
  'auth.tokens':
    'give tokens of at least 16 characters, preferably via SAI_AUTH_TOKENS or auth.tokenFile rather than in the file',
  'auth.tokens[*]': 'use a random token of at least 16 characters (e.g. `openssl rand -hex 32`)',
  'auth.tokenFile': 'name a readable file with one token per line',
  'logging.level': 'use one of error, warn, info, debug',
  llm: 'give providers (name, type, baseURL or endpoint, apiKeyEnv or apiKeyFile) and a chain of { provider, model }',
  'llm.quotas[*]':
    'write a rule as { scope: tenant|application, match: <name>|"*", tier?, api?, requests|tokens|promptTokens|completionTokens|costUsd, window: minute|hour|day|month } or { scope, match, use: <tier> }',
  'llm.chains':
    'name each chain (kebab-case) and list its { provider, model } targets, e.g. chains: { private: [{ provider: vpc, model: llama3.1 }] }',
  'llm.routes':
    'give pipelines: { <pipeline>: <chain> } and/or dataClasses: { confidential: <chain> } (most sensitive first); chains are the names under llm.chains, or default',
  'llm.tiers':
    'name each tier and list its limits, e.g. tiers: { Gold: [{ requests: 1000, window: day }], developer: [{ tokens: 1000, window: day }] }',
  'audit.file': 'name a file the sidecar may append to, e.g. /var/log/synapse-ai/audit.log (also SAI_AUDIT_FILE)',
  'audit.prompts': 'use hash (the SHA-256 of the prompt) or redacted (the prompt with personal data replaced)',
  'audit.maxBytes': 'give the size in bytes at which the audit log rotates (at least 1024)',
  'audit.onError':
    'use fail-closed (refuse audited requests while the log cannot be written) or degrade (serve on, keep records in memory)',
  'audit.headKeyEnv': 'name an environment variable (upper case), e.g. SAI_AUDIT_HEAD_KEY',
  'logging.requests': 'use none, errors (default) or all',
  'store.type': 'use memory (one replica) or redis (several replicas sharing state)',
  'store.url': 'give redis://host:6379 or rediss://… (prefer SAI_REDIS_URL, which keeps the password out of the file)',
  policies:
    'key policy settings by the policy name (kebab-case), e.g. policies: { add-context: { options: { key: ctx } } }',
  'policies.*': 'give { options: {...} } for a policy',
  pipelines: 'key pipelines by a kebab-case name, each a list of policies',
  products:
    'key products by a kebab-case name, each with chat: { pipeline }, embeddings: { chain, model, models } and/or images: { chain, model, models }',
  'products.*':
    'give chat: { pipeline }, embeddings: { chain, model, models, maxInputs } and/or images: { chain, model, models, maxImages }',
  'pipelines.*': 'list one or more steps, each a policy name or { policy, options }',
  'pipelines.*[*]': 'write a step as a policy name ("echo") or { policy: echo, options: {...} }',
};

export class ConfigError extends Error {
  readonly code = 'SAI_ERR_CONFIG';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Invalid sidecar configuration (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const ajv = new Ajv({ strict: true, allErrors: true, useDefaults: true, allowUnionTypes: true });
const validateConfig = ajv.compile(configSchema);

const SIZE_RE = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$/i;
const UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** `'10mb'` → 10485760; integers pass through; anything else is returned as given (validation reports it). */
export function parseSize(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const m = SIZE_RE.exec(value);
  if (!m) return value;
  return Math.floor(Number(m[1]) * (UNITS[(m[2] ?? 'b').toLowerCase()] ?? 1));
}

function fixFor(path: string): string | undefined {
  const generic = path
    .replace(/\[\d+\]/g, '[*]')
    .replace(/^(policies|pipelines|products)\.[^.[]+/, '$1.*')
    .replace(/^(policies|pipelines|products)\["[^"]*"\]/, '$1.*');
  for (let p = generic; p !== ''; p = p.replace(/(\.[^.[]+|\[\*\])$/, '')) {
    if (FIXES[p]) return FIXES[p];
    if (!/(\.[^.[]+|\[\*\])$/.test(p)) break;
  }
  return undefined;
}

export interface LoadOptions {
  /** Path of a YAML or JSON file. */
  file?: string;
  /** Environment (defaults to `process.env`); `SAI_*` variables override the file. */
  env?: Record<string, string | undefined>;
  /** Overrides from the command line (highest precedence). */
  overrides?: { host?: string; port?: number };
  /**
   * The policies the sidecar will serve: with them, unknown policy names, invalid policy options and
   * failed start-up checks are reported in the same error as every other bad field.
   */
  policies?: readonly Policy[];
}

function readConfigFile(file: string): Record<string, unknown> {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [
      `cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the --config path`,
    ]);
  }
  if (extname(path).toLowerCase() === '.json') {
    try {
      return (JSON.parse(text) ?? {}) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(path, [`not valid JSON: ${(err as Error).message}`]);
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      path,
      doc.errors.map(
        (e) =>
          `YAML error at line ${e.linePos?.[0].line ?? '?'}, column ${e.linePos?.[0].col ?? '?'}: ${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`,
      ),
    );
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(path, [
      'the file must hold a mapping (server:, auth:, policies:, pipelines: ...) at the top level',
    ]);
  }
  return value as Record<string, unknown>;
}

function section(raw: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = raw[key];
  if (v === undefined || v === null) {
    const fresh: Record<string, unknown> = {};
    raw[key] = fresh;
    return fresh;
  }
  return v as Record<string, unknown>;
}

/**
 * Loads, merges and validates the configuration.
 * @throws {ConfigError} naming every bad field, its value and the fix.
 */
export function loadConfig(options: LoadOptions = {}): Readonly<SidecarConfig> {
  const env = options.env ?? process.env;
  const sources: string[] = [];
  const file = options.file ?? env.SAI_CONFIG;
  const raw: Record<string, unknown> = file ? readConfigFile(file) : {};
  sources.push(file ? resolve(file) : 'built-in defaults');

  const envProblems: string[] = [];
  if (raw.server !== undefined && (typeof raw.server !== 'object' || Array.isArray(raw.server))) {
    // leave it for schema validation to report
  } else {
    const server = section(raw, 'server');
    if (env.SAI_HOST) server.host = env.SAI_HOST;
    const intEnv = (name: string, key: string): void => {
      const v = env[name];
      if (v === undefined || v === '') return;
      if (!/^\d+$/.test(v.trim())) envProblems.push(`${name} must be a whole number (got ${JSON.stringify(v)})`);
      else server[key] = Number(v.trim());
    };
    intEnv('SAI_PORT', 'port');
    intEnv('SAI_REQUEST_TIMEOUT_MS', 'requestTimeoutMs');
    if (env.SAI_BODY_LIMIT) server.bodyLimit = env.SAI_BODY_LIMIT;
    if (server.bodyLimit !== undefined) server.bodyLimit = parseSize(server.bodyLimit);
    if (options.overrides?.host !== undefined) server.host = options.overrides.host;
    if (options.overrides?.port !== undefined) server.port = options.overrides.port;
  }
  if (raw.auth === undefined || (typeof raw.auth === 'object' && raw.auth !== null && !Array.isArray(raw.auth))) {
    const auth = section(raw, 'auth');
    if (env.SAI_AUTH_TOKENS) {
      auth.tokens = env.SAI_AUTH_TOKENS.split(',')
        .map((t) => t.trim())
        .filter(Boolean);
    }
    if (env.SAI_AUTH_TOKEN_FILE) auth.tokenFile = env.SAI_AUTH_TOKEN_FILE;
  }
  if (
    env.SAI_REDIS_URL &&
    (raw.store === undefined || (typeof raw.store === 'object' && raw.store !== null && !Array.isArray(raw.store)))
  ) {
    const store = section(raw, 'store');
    store.url = env.SAI_REDIS_URL;
    store.type ??= 'redis';
  }
  if (
    env.SAI_LOG_LEVEL &&
    (raw.logging === undefined || (typeof raw.logging === 'object' && !Array.isArray(raw.logging)))
  ) {
    section(raw, 'logging').level = env.SAI_LOG_LEVEL;
  }
  if (
    env.SAI_AUDIT_FILE &&
    (raw.audit === undefined || (typeof raw.audit === 'object' && raw.audit !== null && !Array.isArray(raw.audit)))
  ) {
    section(raw, 'audit').file = env.SAI_AUDIT_FILE;
  }
  if (Object.keys(env).some((k) => k.startsWith('SAI_') && k !== 'SAI_CONFIG'))
    sources.push('SAI_* environment variables');

  // every problem in one report: environment values, the schema, then the policies and pipelines
  const problems = [...envProblems];
  const schemaOk = validateConfig(raw);
  if (!schemaOk) {
    // a token is a secret: its problems never quote it
    const errors = validateConfig.errors ?? [];
    const secret = (e: { instancePath: string }): boolean => /^\/auth\/tokens(\/|$)/.test(e.instancePath);
    const found = errors
      .flatMap((e) => explainErrors([e], raw, '', secret(e)))
      // anyOf reports each branch; the step-level hint says it better
      .filter((p, i, all) => all.findIndex((q) => q.path === p.path && q.message === p.message) === i)
      .map((p) => {
        const fix = fixFor(p.path);
        return fix ? `${p.message}. Fix: ${fix}.` : `${p.message}.`;
      });
    problems.push(...dedupeAnyOf(found));
  } else {
    const llm = raw.llm as { quotas?: QuotaRule[]; tiers?: Tiers; chains?: Record<string, unknown> } | undefined;
    if (llm) problems.push(...quotaProblems(llm.quotas ?? [], llm.tiers ?? {}));
    const routes = options.policies
      ? new Set([...Object.keys((raw.pipelines ?? {}) as object), ...options.policies.map((p) => p.meta.name)])
      : undefined;
    problems.push(
      ...productProblems((raw.products ?? {}) as Record<string, ProductConfig>, {
        ...(routes ? { routes } : {}),
        chains: llm ? new Set(['default', ...Object.keys(llm.chains ?? {})]) : undefined,
      }),
    );
  }
  if (options.policies) {
    const plain = (v: unknown): Record<string, never> =>
      v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, never>) : {};
    const sections = { policies: plain(raw.policies), pipelines: plain(raw.pipelines) };
    const known = new Set(problems);
    for (const p of collectRegistry(options.policies, sections, env).problems) if (!known.has(p)) problems.push(p);
  }
  if (problems.length > 0) throw new ConfigError(sources.join(' + '), problems);
  const config = raw as unknown as SidecarConfig;
  if (config.store.type === 'redis' && !config.store.url) {
    throw new ConfigError(sources.join(' + '), [
      'store.type is redis but no store.url is set. Fix: set SAI_REDIS_URL=redis://host:6379 (or store.url).',
    ]);
  }
  config.pipelines = Object.fromEntries(
    Object.entries(config.pipelines).map(([name, steps]) => [
      name,
      (steps as (string | PipelineStep)[]).map((s) => (typeof s === 'string' ? { policy: s } : s)),
    ]),
  );
  if (config.auth.tokenFile) {
    let text: string;
    try {
      text = readFileSync(resolve(config.auth.tokenFile), 'utf8');
    } catch (err) {
      throw new ConfigError(sources.join(' + '), [
        `auth.tokenFile ${JSON.stringify(config.auth.tokenFile)} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}). Fix: ${FIXES['auth.tokenFile']}.`,
      ]);
    }
    const tokens = text
      .split(/\r?\n/)
      .map((t) => t.trim())
      .filter((t) => t !== '' && !t.startsWith('#'));
    const short = tokens.filter((t) => t.length < 16).length;
    if (short > 0 || tokens.length === 0) {
      throw new ConfigError(sources.join(' + '), [
        tokens.length === 0
          ? `auth.tokenFile ${JSON.stringify(config.auth.tokenFile)} holds no token. Fix: put one token per line.`
          : `auth.tokenFile holds ${short} token(s) shorter than 16 characters. Fix: ${FIXES['auth.tokens[*]']}.`,
      ]);
    }
    config.auth.tokens = [...config.auth.tokens, ...tokens];
  }
  return deepFreeze(config);
}

function dedupeAnyOf(problems: string[]): string[] {
  // ajv reports "must match a schema in anyOf" after the branch errors; keep the step-level sentence only
  const stepLevel = problems.filter((p) => /must match a schema in anyOf/.test(p));
  if (stepLevel.length === 0) return problems;
  const paths = new Set(stepLevel.map((p) => p.split(' ')[0]));
  return problems.filter(
    (p) =>
      /must match a schema in anyOf/.test(p) ||
      ![...paths].some((path) => p.startsWith(`${path} `) || p.startsWith(`${path}.`)),
  );
}

/** Whether `host` binds only to the loopback interface. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}
