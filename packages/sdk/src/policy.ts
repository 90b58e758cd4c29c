/**
 * @fileoverview `definePolicy`: one declaration gives the handler, its schemas (compiled once with
 * ajv), the types inferred from them, and the metadata the sidecar and the Synapse generators need.
 * @see ../README.md
 */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { JsonNumber } from '@synapse-ai/json-xml';
import { SaiError, type ErrorCode } from './errors';
import { FLOWS, type Flow, type Message, type Payload, type PayloadKind } from './message';
import type { PolicyContext } from './context';
import { compileSchema, deepFreeze, describeErrors, type CompiledSchema } from './schema';

/** Where a policy sits in a flow; pipelines list policies explicitly, the stage documents intent. */
export type Stage = 'guard' | 'enrich' | 'redact' | 'transform' | 'ai' | 'restore' | 'observe';
export const STAGES: readonly Stage[] = ['guard', 'enrich', 'redact', 'transform', 'ai', 'restore', 'observe'];

export interface PolicyMeta {
  /** kebab-case; the same name is the folder, the route segment and the generated artefact name. */
  name: string;
  /** Semantic version (`1.0.0`); generated artefacts carry it. */
  version: string;
  description: string;
  flows: readonly Flow[];
  stage: Stage;
  /** Higher runs earlier when policies of one stage are ordered automatically (as Kong's PRIORITY). */
  priority: number;
  /** Payload kinds the policy handles. Default: every kind; with an `input` schema: `json` only. */
  accepts?: readonly PayloadKind[];
  /** True when the policy cannot work at all without an LLM provider. */
  requiresLlm?: boolean;
  /** The body kind the policy always answers with when it converts (generated artefacts set the gateway's message type). */
  produces?: 'json' | 'xml' | 'text';
  /**
   * True for a facade (AI-as-an-API): in the request flow its answer goes straight to the client
   * and the backend is not called. Generated artefacts respond with it.
   */
  answersClient?: boolean;
  docsUrl?: string;
}

/** Numbers in a parsed body are `number`, or {@link JsonNumber} where a double cannot keep their text. */
export type Lossless<T> = T extends number
  ? number | JsonNumber
  : T extends readonly (infer U)[]
    ? Lossless<U>[]
    : T extends object
      ? { [K in keyof T]: Lossless<T[K]> }
      : T;

type Infer<S, Fallback> = [S] extends [undefined] ? Fallback : S extends JSONSchema ? FromSchema<S> : Fallback;

export type OptionsOf<O> = Readonly<Infer<O, Record<string, never>>>;
export type InputPayload<I> = [I] extends [undefined] ? Payload : { kind: 'json'; value: Lossless<Infer<I, unknown>> };

/** Continue the flow; omit `json`/`jsonText`/`xml`/`text` to keep the body as it is. */
export interface ContinueResult<J = unknown> {
  action: 'continue';
  json?: J;
  /** A new JSON body as text (kept byte for byte; duplicate keys survive). */
  jsonText?: string;
  xml?: string;
  text?: string;
  /**
   * The new `jsonText` or `xml` came from a serializer that only writes well-formed documents (the
   * JSON⇄XML converter, the redactor): the runtime then does not parse it again. `PolicyTester`
   * checks it anyway, so a serializer bug fails the policy's tests. Leave unset for hand-built text.
   */
  wellFormed?: boolean;
  /** Media type of the new body (defaults to the kind's usual type). */
  contentType?: string;
  /** Headers for the gateway (e.g. `X-Redaction-Summary`). */
  headers?: Record<string, string>;
  /** Whether the message changed; defaults to true when a new body is given. */
  modified?: boolean;
  /**
   * A short note on how the policy decided (e.g. `fallback: no LLM configured`), added to the
   * `X-Policy-Decision` header as `<policy>=<note>`. Client-visible: keep internals out.
   */
  note?: string;
  /** What an AI policy decided, for the audit log (never shown to the client). */
  aiDecision?: AiDecision;
}

/** An AI-mediated decision as the audit log keeps it: what was decided on what, by what, how sure. */
export interface AiDecision {
  /** SHA-256 of the input the decision was made on (hex); the input itself is never kept. */
  inputSha256: string;
  decision: string;
  score?: number;
  class?: string;
  tier?: string;
  /** The model that decided, or `deterministic`. */
  model: string;
  /** 0..1: for a deterministic scorer, the share of its signals the input carried. */
  confidence: number;
}

export interface BlockResult {
  action: 'block';
  error: SaiError;
}

export type PolicyResult<J = unknown> = ContinueResult<J> | BlockResult;

export function proceed<J = unknown>(init: Omit<ContinueResult<J>, 'action'> = {}): ContinueResult<J> {
  return { action: 'continue', ...init };
}

/**
 * Stop the flow with a problem response. `message` is shown to the client: keep it free of
 * internals (which policy, which pattern); put those in `logDetail`.
 */
export function block(
  code: ErrorCode,
  message?: string,
  options: { status?: number; logDetail?: Record<string, unknown>; extensions?: Record<string, unknown> } = {},
): BlockResult {
  return { action: 'block', error: new SaiError(code, { ...options, ...(message === undefined ? {} : { message }) }) };
}

export interface PolicyDefinition<O, I, Out> {
  meta: PolicyMeta;
  options?: O;
  input?: I;
  output?: Out;
  handler(
    message: Message<InputPayload<I>>,
    ctx: PolicyContext<OptionsOf<O>>,
  ): PolicyResult<Lossless<Infer<Out, unknown>>> | Promise<PolicyResult<Lossless<Infer<Out, unknown>>>>;
  /**
   * What the options schema cannot say, checked once when the sidecar starts: patterns compile,
   * the secrets the options need are set in `env`. Returns problems as `field: what. Fix: how.`
   * sentences (the field relative to the options); the sidecar refuses to start with any.
   */
  check?(options: OptionsOf<O>, env: Readonly<Record<string, string | undefined>>): readonly string[];
}

/** A policy attribute as a generator sees it (from the options schema). */
export interface AttributeDescription {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'array' | 'object';
  description?: string;
  required: boolean;
  default?: unknown;
  allowedValues?: readonly unknown[];
  pattern?: string;
  secret: boolean;
}

/** What a generator needs to emit the Synapse artefact that calls a policy. */
export interface PolicyDescription {
  name: string;
  version: string;
  description: string;
  flows: readonly Flow[];
  stage: Stage;
  priority: number;
  accepts: readonly PayloadKind[];
  requiresLlm: boolean;
  produces?: 'json' | 'xml' | 'text';
  answersClient?: boolean;
  route: string;
  attributes: AttributeDescription[];
  schemas: { options?: unknown; input?: unknown; output?: unknown };
}

/** A policy, erased of its schema generics so registries can hold any of them. */
export interface Policy {
  readonly meta: Readonly<Required<Pick<PolicyMeta, 'accepts' | 'requiresLlm'>> & PolicyMeta>;
  readonly schemas: {
    readonly options?: CompiledSchema;
    readonly input?: CompiledSchema;
    readonly output?: CompiledSchema;
  };
  readonly handler: (message: Message, ctx: PolicyContext<unknown>) => PolicyResult | Promise<PolicyResult>;
  describe(): PolicyDescription;
  /** Validates options (filling defaults) and returns them deeply frozen. @throws {SaiError} SAI_ERR_INVALID_OPTIONS */
  resolveOptions(options: unknown): unknown;
  /** The definition's start-up check on resolved options (none: no problems). */
  check(options: unknown, env: Readonly<Record<string, string | undefined>>): readonly string[];
}

const NAME_RE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const VERSION_RE = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;
const ALL_KINDS: readonly PayloadKind[] = ['json', 'xml', 'text', 'empty'];

/** Throws a clear error for a malformed policy declaration (a programming error, found at load time). */
function checkMeta(meta: PolicyMeta, hasInput: boolean): void {
  const where = `definePolicy(${JSON.stringify(meta?.name)})`;
  const problems: string[] = [];
  if (typeof meta?.name !== 'string' || !NAME_RE.test(meta.name))
    problems.push(`meta.name must be kebab-case like "redact-pii" (got ${JSON.stringify(meta?.name)})`);
  if (typeof meta?.version !== 'string' || !VERSION_RE.test(meta.version))
    problems.push(`meta.version must be a semantic version like "1.0.0" (got ${JSON.stringify(meta?.version)})`);
  if (typeof meta?.description !== 'string' || meta.description.trim() === '')
    problems.push('meta.description must be a non-empty sentence');
  if (!Array.isArray(meta?.flows) || meta.flows.length === 0 || meta.flows.some((f) => !FLOWS.includes(f)))
    problems.push(`meta.flows must list one or more of ${FLOWS.join(', ')}`);
  if (!STAGES.includes(meta?.stage)) problems.push(`meta.stage must be one of ${STAGES.join(', ')}`);
  if (!Number.isInteger(meta?.priority)) problems.push('meta.priority must be an integer');
  if (meta?.accepts !== undefined) {
    if (meta.accepts.length === 0 || meta.accepts.some((k) => !ALL_KINDS.includes(k)))
      problems.push(`meta.accepts must list one or more of ${ALL_KINDS.join(', ')}`);
    else if (hasInput && meta.accepts.some((k) => k !== 'json'))
      problems.push('a policy with an input schema accepts only json: drop meta.accepts or the input schema');
  }
  if (problems.length > 0) throw new TypeError(`${where}: ${problems.join('; ')}`);
}

function attributesOf(schema: unknown): AttributeDescription[] {
  if (schema === null || typeof schema !== 'object') return [];
  const s = schema as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  const required = new Set(s.required ?? []);
  return Object.entries(s.properties ?? {}).map(([name, prop]) => {
    const type: AttributeDescription['type'] = Array.isArray(prop.enum)
      ? 'enum'
      : ((['string', 'integer', 'number', 'boolean', 'array', 'object'] as const).find((t) => t === prop.type) ??
        'string');
    const attr: AttributeDescription = { name, type, required: required.has(name), secret: prop['x-secret'] === true };
    if (typeof prop.description === 'string') attr.description = prop.description;
    if ('default' in prop) attr.default = prop.default;
    if (Array.isArray(prop.enum)) attr.allowedValues = prop.enum;
    if (typeof prop.pattern === 'string') attr.pattern = prop.pattern;
    return attr;
  });
}

/**
 * Declares a policy. Schemas are compiled here, once; the handler's types come from them.
 * @example
 * export default definePolicy({
 *   meta: { name: 'add-context', version: '1.0.0', description: '…', flows: ['request'], stage: 'enrich', priority: 500 },
 *   options: { type: 'object', properties: { key: { type: 'string', default: 'gateway' } }, additionalProperties: false },
 *   handler(message, ctx) { return proceed(); },
 * });
 */
export function definePolicy<
  const O extends JSONSchema | undefined = undefined,
  const I extends JSONSchema | undefined = undefined,
  const Out extends JSONSchema | undefined = undefined,
>(definition: PolicyDefinition<O, I, Out>): Policy {
  const { meta } = definition;
  checkMeta(meta, definition.input !== undefined);
  const compile = (schema: unknown, kind: 'options' | 'payload', which: string): CompiledSchema | undefined => {
    if (schema === undefined) return undefined;
    try {
      return compileSchema(schema as Record<string, unknown>, kind);
    } catch (err) {
      throw new TypeError(
        `definePolicy("${meta.name}"): the ${which} schema does not compile: ${(err as Error).message}`,
      );
    }
  };
  const schemas = {
    options: compile(definition.options, 'options', 'options'),
    input: compile(definition.input, 'payload', 'input'),
    output: compile(definition.output, 'payload', 'output'),
  };
  const fullMeta = Object.freeze({
    ...meta,
    flows: Object.freeze([...meta.flows]),
    accepts: Object.freeze([...(meta.accepts ?? (definition.input !== undefined ? ['json'] : ALL_KINDS))]),
    requiresLlm: meta.requiresLlm ?? false,
  });
  const policy: Policy = {
    meta: fullMeta,
    schemas,
    handler: definition.handler as unknown as Policy['handler'],
    describe() {
      return {
        name: fullMeta.name,
        version: fullMeta.version,
        description: fullMeta.description,
        flows: fullMeta.flows,
        stage: fullMeta.stage,
        priority: fullMeta.priority,
        accepts: fullMeta.accepts,
        requiresLlm: fullMeta.requiresLlm,
        ...(fullMeta.produces ? { produces: fullMeta.produces } : {}),
        ...(fullMeta.answersClient ? { answersClient: true } : {}),
        route: `/v1/policies/${fullMeta.name}`,
        attributes: attributesOf(definition.options),
        schemas: { options: definition.options, input: definition.input, output: definition.output },
      };
    },
    check(options: unknown, env: Readonly<Record<string, string | undefined>>) {
      return definition.check ? definition.check(options as never, env) : [];
    },
    resolveOptions(options: unknown) {
      const value: unknown = structuredClone(options ?? {});
      if (schemas.options) {
        if (!schemas.options.validate(value)) {
          const sentences = describeErrors(schemas.options.validate.errors, value, 'options');
          throw new SaiError('SAI_ERR_INVALID_OPTIONS', {
            message: `Invalid options for policy "${fullMeta.name}": ${sentences.join('; ')}`,
            extensions: { problems: sentences },
          });
        }
      } else if (value !== null && typeof value === 'object' && Object.keys(value).length > 0) {
        throw new SaiError('SAI_ERR_INVALID_OPTIONS', {
          message: `Policy "${fullMeta.name}" takes no options (got ${Object.keys(value).join(', ')}); remove them.`,
        });
      }
      return deepFreeze(value);
    },
  };
  return Object.freeze(policy);
}
