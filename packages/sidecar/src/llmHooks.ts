/**
 * @fileoverview What a policy's `ctx.llm` is when a provider is configured: the LLM layer, with the
 * caller's quotas reserved before the call (429 `SAI_ERR_RATE_LIMITED` naming the budget and its
 * reset), usage and cost counted after it, metrics, and an audit record (never the prompt text).
 */
import { createHash } from 'node:crypto';
import {
  DEFAULT_CHAIN,
  type CallWho,
  type LayerObserver,
  type LlmLayer,
  type Meter,
  type QuotaDecision,
} from '@synapse-ai/llm';
import { redact } from '@synapse-ai/redact';
import {
  remainingMs,
  SaiError,
  type GatewayContext,
  type LlmHooks,
  type LlmRequest,
  type LlmResult,
  type Logger,
} from '@synapse-ai/sdk';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AuditLog } from './audit';

export class LlmMetrics {
  readonly tokens: Counter<'tenant' | 'application' | 'api' | 'model' | 'kind'>;
  readonly cost: Counter<'tenant' | 'application' | 'api' | 'model'>;
  readonly calls: Counter<'model' | 'outcome'>;
  readonly attempts: Histogram<'provider' | 'model' | 'outcome'>;
  readonly fallbacks: Counter<'provider' | 'model' | 'reason'>;
  constructor(registry: Registry) {
    this.attempts = new Histogram({
      name: 'sai_llm_attempt_duration_seconds',
      help: 'Provider attempts (retries included) by provider, model and outcome (ok or the failure code)',
      labelNames: ['provider', 'model', 'outcome'],
      buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
      registers: [registry],
    });
    this.fallbacks = new Counter({
      name: 'sai_llm_fallbacks_total',
      help: 'Times the chain moved past a target (to the next, or to the policy fallback after the last), by reason',
      labelNames: ['provider', 'model', 'reason'],
      registers: [registry],
    });
    this.tokens = new Counter({
      name: 'sai_llm_tokens_total',
      help: 'LLM tokens by tenant, application, API, model and kind (prompt|completion)',
      labelNames: ['tenant', 'application', 'api', 'model', 'kind'],
      registers: [registry],
    });
    this.cost = new Counter({
      name: 'sai_llm_cost_usd_total',
      help: 'LLM cost in USD from the price table',
      labelNames: ['tenant', 'application', 'api', 'model'],
      registers: [registry],
    });
    this.calls = new Counter({
      name: 'sai_llm_calls_total',
      help: 'LLM calls by model and outcome',
      labelNames: ['model', 'outcome'],
      registers: [registry],
    });
  }
}

/** The layer's observer that feeds these metrics. */
export function observerFor(metrics: LlmMetrics): LayerObserver {
  return {
    attempt: (e) => metrics.attempts.labels(e.provider, e.model, e.outcome).observe(e.seconds),
    fallback: (e) => metrics.fallbacks.labels(e.provider, e.model, e.reason).inc(),
  };
}

const BREAKER_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/** `sai_llm_breaker_state` per target: 0 closed, 1 half-open, 2 open (read at each scrape). */
export function watchBreakers(registry: Registry, layer: LlmLayer): void {
  new Gauge({
    name: 'sai_llm_breaker_state',
    help: 'Circuit breaker of each chain target: 0 closed, 1 half-open (one probe allowed), 2 open',
    labelNames: ['provider', 'model'],
    registers: [registry],
    collect() {
      for (const s of layer.states()) this.labels(s.provider, s.model).set(BREAKER_VALUE[s.state]);
    },
  });
}

export interface LlmServices {
  layer: LlmLayer;
  meter: Meter;
  metrics: LlmMetrics;
  audit?: AuditLog;
  /** What the audit keeps of a prompt: its SHA-256 (default) or its text with personal data redacted. */
  auditPrompts?: 'hash' | 'redacted';
}

/**
 * Counts a call through a pipeline against the request budgets that apply to its caller; throws 429
 * `SAI_ERR_RATE_LIMITED` (naming the budget and its reset) when one is used up. While the store cannot
 * be reached the call is served unchecked and a warning logged (budgets are a billing limit, not an
 * access control; the gateway's own throttling still applies).
 */
export async function admitCall(
  services: LlmServices,
  context: GatewayContext,
  logger: Logger,
): Promise<QuotaDecision | undefined> {
  let decision: QuotaDecision;
  try {
    decision = await services.meter.admit(callerOf(context));
  } catch (err) {
    services.metrics.calls.labels('-', 'quota_unchecked').inc();
    logger.warn('request budgets not checked: the store is unavailable', {
      requestId: context.correlationId,
      reason: (err as Error).message,
    });
    return undefined;
  }
  if (!decision.allowed) {
    services.metrics.calls.labels('-', 'quota_exceeded').inc();
    throw rateLimited(decision);
  }
  return decision;
}

function rateLimited(decision: QuotaDecision): SaiError {
  return new SaiError('SAI_ERR_RATE_LIMITED', {
    message: `The ${decision.budget} budget is used up; it resets at ${new Date(decision.resetAt!).toISOString()}.`,
    extensions: {
      budget: decision.budget,
      limit: decision.limit,
      resetAt: new Date(decision.resetAt!).toISOString(),
    },
  });
}

/** Who a call is, for quotas and usage, from the gateway context. */
export function callerOf(context: GatewayContext): CallWho {
  return {
    ...(context.tenantId ? { tenant: context.tenantId } : {}),
    ...(context.consumerKey ? { application: context.consumerKey } : {}),
    ...(context.apiName ? { api: context.apiName } : {}),
    ...(context.tier ? { tier: context.tier } : {}),
  };
}

/** What every metered model call has in common, whatever it asks for. */
interface MeteredCall<R> {
  /** How the call is reserved against token and cost budgets (its prompt and expected answer). */
  estimate: LlmRequest;
  /** `requests: false` when the call through the pipeline was admitted already. */
  countRequest: boolean;
  /** The pipeline (or policy, or product) the gateway called: it selects a route. */
  pipeline: string;
  /** A chain that serves the call when no data class decides (a product endpoint's). */
  chain?: string;
  /** The route when the caller decided it already (a product endpoint's own chain for a data class). */
  route?: { chain: string; dataClass?: string };
  dataClasses: readonly (string | undefined)[];
  signal?: AbortSignal;
  /** What the audit record says of the call besides the common fields. */
  audit: Record<string, unknown>;
  run(chain: string, deadline: number | undefined): Promise<R>;
}

type MeteredResult = (
  | {
      ok: true;
      model: string;
      provider?: string;
      usage: { promptTokens: number; completionTokens: number };
      cached?: boolean;
    }
  | { ok: false; code: string; reason: string }
) & { spent?: readonly { model: string; promptTokens: number; completionTokens: number }[] };

/**
 * One model call with quotas, routing, metering, metrics and audit: the budgets are reserved (429
 * when one is used up), the route chosen (a data class first, then the pipeline's route, then the
 * given chain), the call made, every attempt that consumed tokens billed (a repair, an answer that
 * broke the schema, a target that answered before the next one did; a cache hit is a call with no
 * tokens and no cost), and the call audited without its prompt text.
 */
export async function metered<R extends MeteredResult>(
  services: LlmServices,
  context: GatewayContext,
  call: MeteredCall<R>,
): Promise<R | { ok: false; code: string; reason: string }> {
  const who = callerOf(context);
  let decision: QuotaDecision;
  try {
    decision = await services.meter.reserve(who, call.estimate, { requests: call.countRequest });
  } catch {
    // the store is down: quotas cannot be checked, so no call is made (the policy falls back)
    services.metrics.calls.labels('-', 'store_unavailable').inc();
    return { ok: false, code: 'store_unavailable', reason: 'quotas cannot be checked while the store is unavailable' };
  }
  if (!decision.allowed) {
    services.metrics.calls.labels('-', 'quota_exceeded').inc();
    throw rateLimited(decision);
  }
  const started = performance.now();
  // the request's deadline bounds the layer's waits (Retry-After, queues)
  const left = remainingMs(call.signal);
  const routed = call.route ?? services.layer.route({ pipeline: call.pipeline, dataClasses: call.dataClasses });
  const route =
    routed.dataClass === undefined && routed.chain === DEFAULT_CHAIN && call.chain !== undefined
      ? { chain: call.chain }
      : routed;
  const result = await call.run(route.chain, left === undefined ? undefined : performance.now() + left);
  const ms = performance.now() - started;
  const labels = { tenant: who.tenant ?? '-', application: who.application ?? '-', api: who.api ?? '-' };
  const spent = result.spent ?? (result.ok && !result.cached ? [{ model: result.model, ...result.usage }] : []);
  // an answer is never lost to a metering failure: the usage is then only in the metrics and the audit
  const cost = await services.meter
    .record(who, decision, spent, {
      ...(result.ok ? { answeredBy: result.model } : {}),
      ...(result.ok && result.cached ? { cached: true } : {}),
    })
    .catch(() => spent.reduce((n, s) => n + services.meter.costOf(s), 0));
  // usage and metrics count the same attempts
  for (const s of spent) {
    services.metrics.tokens
      .labels(labels.tenant, labels.application, labels.api, s.model, 'prompt')
      .inc(s.promptTokens);
    services.metrics.tokens
      .labels(labels.tenant, labels.application, labels.api, s.model, 'completion')
      .inc(s.completionTokens);
    services.metrics.cost.labels(labels.tenant, labels.application, labels.api, s.model).inc(services.meter.costOf(s));
  }
  services.metrics.calls.labels(result.ok ? result.model : '-', result.ok ? 'ok' : result.code).inc();
  services.audit?.append({
    kind: 'llm-call',
    requestId: context.correlationId,
    tenant: who.tenant,
    application: who.application,
    userRole: context.userRole,
    api: who.api,
    policy: call.pipeline,
    chain: route.chain,
    ...('dataClass' in route && route.dataClass ? { dataClass: route.dataClass } : {}),
    ...(decision.tier ? { tier: decision.tier } : {}),
    provider: result.ok ? result.provider : undefined,
    model: result.ok ? result.model : undefined,
    cached: result.ok && result.cached ? true : undefined,
    ...call.audit,
    promptTokens: spent.reduce((n, s) => n + s.promptTokens, 0),
    completionTokens: spent.reduce((n, s) => n + s.completionTokens, 0),
    ...(spent.length > 1 ? { attempts: spent.length } : {}),
    costUsd: cost,
    ms: Number(ms.toFixed(1)),
    outcome: result.ok ? 'ok' : result.code,
    ...(decision.shadow ? { quotaShadow: decision.budget } : {}),
  });
  return result;
}

/**
 * The hooks for one request: who is calling comes from the gateway context. `admitted`: the call
 * through the pipeline was counted against the request budgets already, so model calls in it count
 * their tokens and cost only.
 */
export function llmHooksFor(
  services: LlmServices,
  context: GatewayContext,
  policy: () => string,
  admitted = false,
): LlmHooks {
  return {
    available: true,
    async complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmResult> {
      return metered(services, context, {
        estimate: request,
        countRequest: !admitted,
        pipeline: policy(),
        // the chain: a data class (the gateway's or the policy's) decides first, then the pipeline
        dataClasses: [context.dataClass, request.dataClass],
        ...(signal ? { signal } : {}),
        audit: {
          parameters: {
            temperature: request.temperature,
            maxTokens: request.maxTokens,
            schema: request.schema !== undefined,
          },
          // the raw prompt is never stored: its hash lets an investigator match a known text
          promptSha256: createHash('sha256').update(JSON.stringify(request.messages)).digest('hex'),
          ...(services.auditPrompts === 'redacted'
            ? {
                promptRedacted: request.messages.map((m) => ({
                  role: m.role,
                  content: redact(m.content, { contentType: 'text/plain' }).body,
                })),
              }
            : {}),
        },
        run: (chain, deadline) =>
          services.layer.complete(request, signal, { chain, ...(deadline === undefined ? {} : { deadline }) }),
      });
    },
  };
}
