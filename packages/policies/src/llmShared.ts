/**
 * @fileoverview One way for policies to ask the model for structured output: the answer is used
 * only when the LLM layer has checked it against the schema; without a provider, or when the model
 * fails or answers garbage, the caller gets a status to fall back on and to report.
 */
import type { PolicyContext } from '@synapse-ai/sdk';

export type ModelOutcome<T> =
  | { status: 'used'; value: T; model: string }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; reason: string };

export interface ModelAsk {
  system: string;
  user: string;
  schema: Record<string, unknown>;
  maxTokens?: number;
  temperature?: number;
}

export async function askModel<T>(ctx: PolicyContext<unknown>, ask: ModelAsk): Promise<ModelOutcome<T>> {
  if (!ctx.llm.available) return { status: 'skipped', reason: 'no LLM configured' };
  const result = await ctx.llm.complete(
    {
      messages: [
        { role: 'system', content: ask.system },
        { role: 'user', content: ask.user },
      ],
      schema: ask.schema,
      temperature: ask.temperature ?? 0,
      ...(ask.maxTokens !== undefined ? { maxTokens: ask.maxTokens } : {}),
    },
    ctx.signal,
  );
  if (!result.ok) {
    ctx.logger.warn('model call failed; deterministic path used', { code: result.code });
    return { status: 'failed', reason: result.code };
  }
  return { status: 'used', value: result.json as T, model: result.model };
}

/** How a model outcome reads in X-Policy-Decision. */
export function modelNote(part: string, outcome: ModelOutcome<unknown>): string {
  return outcome.status === 'used' ? `${part}: model` : `${part}: fallback (${outcome.reason})`;
}
