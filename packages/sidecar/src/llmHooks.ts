/**
 * @fileoverview What a policy's `ctx.llm` is when a provider is configured: the LLM layer, with the
 * caller's quotas reserved before the call (429 `SAI_ERR_RATE_LIMITED` naming the budget and its
 * reset), usage and cost counted after it, metrics, and an audit record (never the prompt text).
 */
import { createHash } from 'node:crypto';
import type { LlmLayer, Meter, QuotaDecision } from '@synapse-ai/llm';
import { redact } from '@synapse-ai/redact';
import {
  remainingMs,
  SaiError,
  type GatewayContext,
  type LlmHooks,
  type LlmRequest,
  type LlmResult,
} from '@synapse-ai/sdk';
import { Counter, type Registry } from 'prom-client';
import type { AuditLog } from './audit';

export class LlmMetrics {
  readonly tokens: Counter<'tenant' | 'application' | 'api' | 'model' | 'kind'>;
  readonly cost: Counter<'tenant' | 'application' | 'api' | 'model'>;
  readonly calls: Counter<'model' | 'outcome'>;
  constructor(registry: Registry) {
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

export interface LlmServices {
  layer: LlmLayer;
  meter: Meter;
  metrics: LlmMetrics;
  audit?: AuditLog;
  /** What the audit keeps of a prompt: its SHA-256 (default) or its text with personal data redacted. */
  auditPrompts?: 'hash' | 'redacted';
}

/** The hooks for one request: who is calling comes from the gateway context. */
export function llmHooksFor(services: LlmServices, context: GatewayContext, policy: () => string): LlmHooks {
  const who = {
    ...(context.tenantId ? { tenant: context.tenantId } : {}),
    ...(context.consumerKey ? { application: context.consumerKey } : {}),
    ...(context.apiName ? { api: context.apiName } : {}),
  };
  return {
    available: true,
    async complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmResult> {
      let decision: QuotaDecision;
      try {
        decision = await services.meter.reserve(who, request);
      } catch {
        // the store is down: quotas cannot be checked, so no call is made (the policy falls back)
        services.metrics.calls.labels('-', 'store_unavailable').inc();
        return {
          ok: false,
          code: 'store_unavailable',
          reason: 'quotas cannot be checked while the store is unavailable',
        };
      }
      if (!decision.allowed) {
        services.metrics.calls.labels('-', 'quota_exceeded').inc();
        throw new SaiError('SAI_ERR_RATE_LIMITED', {
          message: `The ${decision.budget} budget is used up; it resets at ${new Date(decision.resetAt!).toISOString()}.`,
          extensions: {
            budget: decision.budget,
            limit: decision.limit,
            resetAt: new Date(decision.resetAt!).toISOString(),
          },
        });
      }
      const started = performance.now();
      // the request's deadline bounds the layer's waits (Retry-After, queues)
      const left = remainingMs(signal);
      const result = await services.layer.complete(
        request,
        signal,
        left === undefined ? {} : { deadline: performance.now() + left },
      );
      const ms = performance.now() - started;
      const labels = { tenant: who.tenant ?? '-', application: who.application ?? '-', api: who.api ?? '-' };
      let cost = 0;
      if (result.ok) {
        // an answer is never lost to a metering failure: the usage is then only in the metrics and the audit
        // a cache hit reached no provider: a call, with no tokens and no cost (usage and metrics agree)
        const cached = result.cached === true;
        cost = await services.meter.settle(who, decision, result.model, result.usage, { cached }).catch(() => 0);
        if (!cached) {
          services.metrics.tokens
            .labels(labels.tenant, labels.application, labels.api, result.model, 'prompt')
            .inc(result.usage.promptTokens);
          services.metrics.tokens
            .labels(labels.tenant, labels.application, labels.api, result.model, 'completion')
            .inc(result.usage.completionTokens);
        }
        services.metrics.cost.labels(labels.tenant, labels.application, labels.api, result.model).inc(cost);
      } else {
        await services.meter.release(decision).catch(() => undefined);
      }
      services.metrics.calls.labels(result.ok ? result.model : '-', result.ok ? 'ok' : result.code).inc();
      services.audit?.append({
        kind: 'llm-call',
        requestId: context.correlationId,
        tenant: who.tenant,
        application: who.application,
        userRole: context.userRole,
        api: who.api,
        policy: policy(),
        provider: result.ok ? result.provider : undefined,
        model: result.ok ? result.model : undefined,
        cached: result.ok && result.cached ? true : undefined,
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
        promptTokens: result.ok ? result.usage.promptTokens : undefined,
        completionTokens: result.ok ? result.usage.completionTokens : undefined,
        costUsd: cost,
        ms: Number(ms.toFixed(1)),
        outcome: result.ok ? 'ok' : result.code,
        ...(decision.shadow ? { quotaShadow: decision.budget } : {}),
      });
      return result;
    },
  };
}
