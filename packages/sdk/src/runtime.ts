/**
 * @fileoverview Runs a policy, or a pipeline of policies, over one message. Transport-agnostic: the
 * sidecar's express route and `PolicyTester` both call {@link PolicyChain.execute}.
 */
import { toPlainJson } from '@synapse-ai/json-xml';
import axios, { type AxiosInstance } from 'axios';
import { SaiError, toSaiError } from './errors';
import {
  checkXml,
  kindOfMediaType,
  parseContentType,
  XmlPayload,
  type GatewayContext,
  type Message,
  type Payload,
} from './message';
import { systemClock, unconfiguredLlm, type Clock, type LlmHooks, type Logger, type PolicyContext, type Store } from './context';
import type { Policy, PolicyResult } from './policy';
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
      timings: StepTiming[];
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
    const timings: StepTiming[] = [];
    const clock = services.clock ?? systemClock;
    const deadline = AbortSignal.timeout(services.timeoutMs ?? 10_000);
    const signal = services.signal ? AbortSignal.any([deadline, services.signal]) : deadline;
    let payload = message.payload;
    let contentType = message.contentType;
    const headers: Record<string, string> = {};
    let modified = false;

    for (const step of this.steps) {
      const { policy } = step;
      const name = policy.meta.name;
      const started = clock.monotonic();
      let result: PolicyResult;
      try {
        check(policy, payload, contentType, message.context);
        const ctx: PolicyContext<unknown> = {
          options: step.options,
          logger: services.logger.child({ policy: name }),
          http: step.http,
          clock,
          store: services.store,
          llm: services.llm ?? unconfiguredLlm,
          gateway: message.context,
          signal,
        };
        result = await withDeadline(
          Promise.resolve().then(() => policy.handler({ ...message, payload, contentType }, ctx)),
          signal,
          name,
        );
        if (result === null || typeof result !== 'object' || (result.action !== 'continue' && result.action !== 'block')) {
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
        const next = applyResult(policy, result, payload);
        if (next !== payload) {
          payload = next;
          contentType =
            result.contentType ?? (payload.kind === 'empty' ? undefined : sameKind(contentType, payload.kind) ?? DEFAULT_TYPES[payload.kind]);
        }
        if (result.headers) Object.assign(headers, result.headers);
        modified ||= result.modified ?? next !== message.payload;
      } catch (err) {
        const error = toSaiError(err);
        services.logger.error('policy result rejected', { policy: name, error: error.message, ...(error.logDetail ?? {}) });
        return { kind: 'block', error, timings, blockedBy: name };
      }
    }
    return { kind: 'continue', payload, contentType, headers, decision: modified ? 'modified' : 'allow', timings };
  }
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
  if (input && payload.kind === 'json' && !input.validate(toPlainJson(payload.value))) {
    const problems = describeErrors(input.validate.errors, undefined, 'body', true);
    throw new SaiError('SAI_ERR_INPUT_INVALID', {
      message: `The body does not match what this policy expects: ${problems.join('; ')}`,
      extensions: { problems },
    });
  }
}

function applyResult(policy: Policy, result: PolicyResult & { action: 'continue' }, current: Payload): Payload {
  const given = [result.json !== undefined, result.xml !== undefined, result.text !== undefined].filter(Boolean).length;
  if (given > 1) {
    throw new SaiError('SAI_ERR_INTERNAL', { logDetail: { reason: 'proceed() got more than one of json, xml, text' } });
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
      checkXml(result.xml);
    } catch (err) {
      throw new SaiError('SAI_ERR_INTERNAL', { logDetail: { reason: 'policy produced malformed XML', error: (err as Error).message } });
    }
    return { kind: 'xml', xml: new XmlPayload(result.xml) };
  }
  if (result.text !== undefined) return { kind: 'text', text: result.text };
  return current;
}

function withDeadline<T>(work: Promise<T>, signal: AbortSignal, name: string): Promise<T> {
  if (signal.aborted) return Promise.reject(timeoutError(signal, name));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(timeoutError(signal, name));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function timeoutError(signal: AbortSignal, name: string): SaiError {
  const reason = signal.reason as { name?: string } | undefined;
  if (reason?.name === 'TimeoutError') {
    return new SaiError('SAI_ERR_POLICY_TIMEOUT', { logDetail: { policy: name } });
  }
  return new SaiError('SAI_ERR_UNAVAILABLE', { message: 'The request was cancelled.', logDetail: { policy: name } });
}
