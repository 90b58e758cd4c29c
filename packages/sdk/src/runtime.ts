/**
 * @fileoverview Runs a policy, or a pipeline of policies, over one message. Transport-agnostic: the
 * sidecar's express route and `PolicyTester` both call {@link PolicyChain.execute}.
 */
import { toPlainJson } from '@synapse-ai/json-xml';
import axios, { type AxiosInstance } from 'axios';
import { SaiError, toSaiError } from './errors';
import {
  checkXml,
  jsonPayloadFromText,
  wellFormedJsonPayload,
  kindOfMediaType,
  parseContentType,
  XmlPayload,
  type GatewayContext,
  type Message,
  type Payload,
  plainJson,
} from './message';
import {
  lazyChild,
  systemClock,
  unconfiguredLlm,
  type Clock,
  type LlmHooks,
  type Logger,
  type PolicyContext,
  type Store,
} from './context';
import type { AiDecision, Policy, PolicyResult } from './policy';
import { describeErrors } from './schema';

/** A policy with its options validated and frozen. Built once, when the sidecar starts. */
export interface MountedPolicy {
  readonly policy: Policy;
  readonly options: unknown;
  readonly http: AxiosInstance;
}

export interface MountOptions {
  /** Timeout of `ctx.http` requests in milliseconds (default 5000). */
  httpTimeoutMs?: number;
}

/** Validates the options and prepares the per-policy HTTP client. @throws {SaiError} SAI_ERR_INVALID_OPTIONS */
export function mountPolicy(policy: Policy, options?: unknown, mount: MountOptions = {}): MountedPolicy {
  return Object.freeze({
    policy,
    options: policy.resolveOptions(options),
    http: axios.create({ timeout: mount.httpTimeoutMs ?? 5000, maxRedirects: 0 }),
  });
}

/** Per-request services shared by every step of a chain. */
export interface ExecutionServices {
  logger: Logger;
  store: Store;
  llm?: LlmHooks;
  clock?: Clock;
  /** Deadline for the whole chain in milliseconds (default 10 000). */
  timeoutMs?: number;
  /** Aborts the chain when the caller goes away. */
  signal?: AbortSignal;
  /** Checks new bodies even when a policy says they are {@link ContinueResult.wellFormed} (PolicyTester sets it). */
  verifyOutput?: boolean;
}

export interface StepTiming {
  name: string;
  ms: number;
}

export type ChainOutcome =
  | {
      kind: 'continue';
      payload: Payload;
      contentType: string | undefined;
      headers: Record<string, string>;
      decision: 'allow' | 'modified';
      /** `<policy>=<note>` for each step that explained its decision. */
      notes: string[];
      timings: StepTiming[];
      /** The AI decisions steps reported, by policy (for the audit log). */
      aiDecisions?: (AiDecision & { policy: string })[];
    }
  | { kind: 'block'; error: SaiError; timings: StepTiming[]; blockedBy: string };

const DEFAULT_TYPES = { json: 'application/json', xml: 'application/xml', text: 'text/plain' } as const;

/** A named, ordered list of mounted policies, served like one policy. */
export class PolicyChain {
  readonly flows: readonly string[];

  constructor(
    readonly name: string,
    readonly steps: readonly MountedPolicy[],
  ) {
    if (steps.length === 0) throw new TypeError(`pipeline "${name}" has no policies`);
    // a chain serves the flows every one of its steps supports
    this.flows = steps.reduce<readonly string[]>(
      (acc, s) => acc.filter((f) => s.policy.meta.flows.includes(f as never)),
      steps[0]!.policy.meta.flows,
    );
  }

  async execute(message: Message, services: ExecutionServices): Promise<ChainOutcome> {
    const clock = services.clock ?? systemClock;
    // The deadline's timer and promise are armed only when a handler goes asynchronous, and the
    // AbortController behind ctx.signal only when a handler asks for it: per-request allocations
    // are what the sidecar's throughput is made of.
    const deadline = new Deadline(clock, services.timeoutMs ?? 10_000);
    const outer = services.signal;
    const onOuterAbort = (): void => deadline.expire('cancelled');
    if (outer) {
      if (outer.aborted) onOuterAbort();
      else outer.addEventListener('abort', onOuterAbort, { once: true });
    }
    try {
      return await this.run(message, services, clock, deadline);
    } finally {
      deadline.dispose();
      outer?.removeEventListener('abort', onOuterAbort);
    }
  }

  private async run(
    message: Message,
    services: ExecutionServices,
    clock: Clock,
    deadline: Deadline,
  ): Promise<ChainOutcome> {
    const timings: StepTiming[] = [];
    let payload = message.payload;
    let contentType = message.contentType;
    const headers: Record<string, string> = {};
    const notes: string[] = [];
    let modified = false;
    let aiDecisions: (AiDecision & { policy: string })[] | undefined;

    for (const step of this.steps) {
      const { policy } = step;
      const name = policy.meta.name;
      const started = clock.monotonic();
      let result: PolicyResult;
      try {
        check(policy, payload, contentType, message.context);
        const ctx = new StepContext(
          step.options,
          lazyChild(services.logger, { policy: name }),
          step.http,
          clock,
          services.store,
          services.llm ?? unconfiguredLlm,
          message.context,
          deadline,
        );
        deadline.check();
        const returned = policy.handler(withPayload(message, payload, contentType), ctx);
        result = isPromiseLike(returned) ? await Promise.race([returned, deadline.armed()]) : returned;
        if (
          result === null ||
          typeof result !== 'object' ||
          (result.action !== 'continue' && result.action !== 'block')
        ) {
          throw new SaiError('SAI_ERR_INTERNAL', {
            logDetail: { reason: `policy "${name}" returned something other than proceed(...) or block(...)` },
          });
        }
      } catch (err) {
        timings.push({ name, ms: clock.monotonic() - started });
        const error = toSaiError(err);
        if (error.code === 'SAI_ERR_INTERNAL' && error.cause !== undefined) {
          services.logger.error('policy threw', { policy: name, error: describeCause(error.cause) });
        }
        return { kind: 'block', error, timings, blockedBy: name };
      }
      timings.push({ name, ms: clock.monotonic() - started });
      if (result.action === 'block') return { kind: 'block', error: result.error, timings, blockedBy: name };

      try {
        const next = applyResult(policy, result, payload, services.verifyOutput === true);
        if (next !== payload) {
          payload = next;
          contentType =
            result.contentType ??
            (payload.kind === 'empty'
              ? undefined
              : (sameKind(contentType, payload.kind) ?? DEFAULT_TYPES[payload.kind]));
        }
        if (result.headers) Object.assign(headers, result.headers);
        if (result.note !== undefined) notes.push(`${name}=${result.note.replace(/[;\r\n]/g, ' ').slice(0, 200)}`);
        if (result.aiDecision) (aiDecisions ??= []).push({ policy: name, ...result.aiDecision });
        modified ||= result.modified ?? next !== message.payload;
      } catch (err) {
        const error = toSaiError(err);
        services.logger.error('policy result rejected', {
          policy: name,
          error: error.message,
          ...(error.logDetail ?? {}),
        });
        return { kind: 'block', error, timings, blockedBy: name };
      }
    }
    return {
      kind: 'continue',
      payload,
      contentType,
      headers,
      decision: modified ? 'modified' : 'allow',
      notes,
      timings,
      ...(aiDecisions ? { aiDecisions } : {}),
    };
  }
}

/** The message a step sees: the original when nothing changed yet (headers stay lazy either way). */
// The context and message objects below are classes with getters on the prototype, not object
// literals with getters: with the literals, each request's body stayed alive until the next full
// collection (most likely V8 pretenured the literals' allocation sites; see docs/benchmarks.md).

/** What a policy's handler gets as `ctx`; `signal` arms the deadline only when read. */
class StepContext implements PolicyContext<unknown> {
  constructor(
    readonly options: unknown,
    readonly logger: Logger,
    readonly http: AxiosInstance,
    readonly clock: Clock,
    readonly store: Store,
    readonly llm: LlmHooks,
    readonly gateway: Readonly<GatewayContext>,
    private readonly deadline: Deadline,
  ) {}
  get signal(): AbortSignal {
    return this.deadline.signal;
  }
}

/** A message with the payload an earlier step produced; headers are read from the original. */
class NextMessage implements Message {
  constructor(
    readonly payload: Payload,
    readonly contentType: string | undefined,
    private readonly original: Message,
  ) {}
  get context(): Readonly<GatewayContext> {
    return this.original.context;
  }
  get headers(): Readonly<Record<string, string>> {
    return this.original.headers;
  }
}

function withPayload(message: Message, payload: Payload, contentType: string | undefined): Message {
  if (payload === message.payload && contentType === message.contentType) return message;
  return new NextMessage(payload, contentType, message);
}

function sameKind(contentType: string | undefined, kind: 'json' | 'xml' | 'text'): string | undefined {
  const ct = parseContentType(contentType);
  return ct && kindOfMediaType(ct.mediaType) === kind ? contentType : undefined;
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}

function check(policy: Policy, payload: Payload, contentType: string | undefined, gateway: GatewayContext): void {
  const { meta } = policy;
  if (!meta.flows.includes(gateway.flow)) {
    throw new SaiError('SAI_ERR_FLOW_NOT_SUPPORTED', {
      message: `This policy runs in the ${meta.flows.join(', ')} flow${meta.flows.length > 1 ? 's' : ''}; the call says X-Flow: ${gateway.flow}.`,
    });
  }
  if (!meta.accepts.includes(payload.kind)) {
    throw new SaiError('SAI_ERR_UNSUPPORTED_MEDIA_TYPE', {
      message: `This policy accepts ${meta.accepts.join(', ')} bodies; got ${payload.kind === 'empty' ? 'an empty body' : contentType}.`,
    });
  }
  const input = policy.schemas.input;
  if (input && payload.kind === 'json' && !input.validate(plainJson(payload))) {
    const problems = describeErrors(input.validate.errors, undefined, 'body', true);
    throw new SaiError('SAI_ERR_INPUT_INVALID', {
      message: `The body does not match what this policy expects: ${problems.join('; ')}`,
      extensions: { problems },
    });
  }
}

function applyResult(
  policy: Policy,
  result: PolicyResult & { action: 'continue' },
  current: Payload,
  verify: boolean,
): Payload {
  const trusted = result.wellFormed === true && !verify;
  const given = [result.json, result.jsonText, result.xml, result.text].filter((v) => v !== undefined).length;
  if (given > 1) {
    throw new SaiError('SAI_ERR_INTERNAL', {
      logDetail: { reason: 'proceed() got more than one of json, jsonText, xml, text' },
    });
  }
  if (result.jsonText !== undefined) {
    const payload = trusted ? wellFormedJsonPayload(result.jsonText) : jsonPayloadFromText(result.jsonText);
    const output = policy.schemas.output;
    if (output && payload.kind === 'json' && !output.validate(plainJson(payload))) {
      throw new SaiError('SAI_ERR_OUTPUT_INVALID', {
        logDetail: { problems: describeErrors(output.validate.errors, undefined, 'output', true) },
      });
    }
    return payload;
  }
  if (result.json !== undefined) {
    const output = policy.schemas.output;
    if (output && !output.validate(toPlainJson(result.json as never))) {
      throw new SaiError('SAI_ERR_OUTPUT_INVALID', {
        logDetail: { problems: describeErrors(output.validate.errors, undefined, 'output', true) },
      });
    }
    return { kind: 'json', value: result.json as never };
  }
  if (result.xml !== undefined) {
    try {
      if (!trusted) checkXml(result.xml);
    } catch (err) {
      throw new SaiError('SAI_ERR_INTERNAL', {
        logDetail: { reason: 'policy produced malformed XML', error: (err as Error).message },
      });
    }
    return { kind: 'xml', xml: new XmlPayload(result.xml) };
  }
  if (result.text !== undefined) return { kind: 'text', text: result.text };
  return current;
}

/** The reason ctx.signal gives when the deadline passes. */
class DeadlineError extends Error {
  constructor() {
    super('policy deadline passed');
    this.name = 'TimeoutError';
  }
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}

/** The time left before a step's signal aborts, for the signals a chain's deadline gives out. */
const timeLeft = new WeakMap<AbortSignal, () => number>();

/**
 * Milliseconds left before `signal` (a policy's `ctx.signal`) aborts for the request deadline, or
 * `undefined` for a signal that has no deadline. Lets long waits (a provider's Retry-After, a queue)
 * give up at once when they could not end in time.
 */
export function remainingMs(signal: AbortSignal | undefined): number | undefined {
  const left = signal === undefined ? undefined : timeLeft.get(signal);
  return left === undefined ? undefined : Math.max(0, left());
}

/** A chain's deadline: a promise that rejects when time runs out or the call is cancelled. */
class Deadline {
  private promise: Promise<never> | undefined;
  private reject: ((err: SaiError) => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private expired: SaiError | undefined;
  private reason: unknown;
  private controller: AbortController | undefined;
  private readonly endsAt: number;

  constructor(
    private readonly clock: Clock,
    timeoutMs: number,
  ) {
    this.endsAt = clock.monotonic() + timeoutMs;
  }

  /** The promise to race an asynchronous step against; starts the timer on first use. */
  armed(): Promise<never> {
    if (!this.promise) {
      this.promise = new Promise<never>((_, reject) => (this.reject = reject));
      this.promise.catch(() => {}); // observed by Promise.race; never an unhandled rejection
      if (this.expired) this.reject?.(this.expired);
      else this.timer = setTimeout(() => this.expire('timeout'), Math.max(0, this.endsAt - this.clock.monotonic()));
    }
    return this.promise;
  }

  expire(why: 'timeout' | 'cancelled'): void {
    if (this.expired) return;
    this.expired =
      why === 'timeout'
        ? new SaiError('SAI_ERR_POLICY_TIMEOUT')
        : new SaiError('SAI_ERR_UNAVAILABLE', { message: 'The request was cancelled.' });
    this.reason = why === 'timeout' ? new DeadlineError() : new Error('cancelled');
    this.controller?.abort(this.reason);
    this.reject?.(this.expired);
  }

  /** Throws when expired (or past the end time), so no further step starts. */
  check(): void {
    if (!this.expired && this.clock.monotonic() >= this.endsAt) this.expire('timeout');
    if (this.expired) throw this.expired;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      timeLeft.set(this.controller.signal, () => (this.expired ? 0 : this.endsAt - this.clock.monotonic()));
      if (this.expired) this.controller.abort(this.reason);
      else void this.armed();
    }
    return this.controller.signal;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
