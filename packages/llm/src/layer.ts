/**
 * @fileoverview The LLM layer: every model call of the sidecar goes through here. A call tries the
 * fallback chain in order (primary model → secondary model or provider), each target guarded by a
 * circuit breaker, a concurrency limit, a timeout and retries with jittered backoff on retryable
 * errors only (the `openai` client's own). Structured output is validated with ajv and repaired once.
 * Every outcome is a typed result; nothing rejects.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Ajv, { type ValidateFunction } from 'ajv';
import { APIConnectionTimeoutError, APIError, AzureOpenAI, OpenAI } from 'openai';
import type { LlmHooks, LlmRequest, LlmResult } from '@synapse-ai/sdk';

export interface ProviderConfig {
  /** Name used in the chain, metrics and logs. */
  name: string;
  /** `openai`, `azure` (Azure OpenAI through the package's Azure client) or `compatible` (any server by baseURL: vLLM, Ollama, LiteLLM, Anthropic's compatible endpoint). */
  type: 'openai' | 'azure' | 'compatible';
  baseURL?: string;
  /** Environment variable with the API key (never the request). */
  apiKeyEnv?: string;
  /** File with the API key (a mounted secret). */
  apiKeyFile?: string;
  /** Azure: resource endpoint and API version. */
  endpoint?: string;
  apiVersion?: string;
}

export interface ChainTarget {
  provider: string;
  model: string;
}

export interface LlmLayerConfig {
  providers: readonly ProviderConfig[];
  /** Tried in order; the policy's own deterministic fallback comes after the last. */
  chain: readonly ChainTarget[];
  /** Per attempt (default 10 s). */
  timeoutMs?: number;
  /** Retries of retryable errors (429, 408, 409, 5xx, connection errors) per target (default 2). */
  maxRetries?: number;
  /** Calls in flight per target (default 16). */
  concurrency?: number;
  breaker?: { failures?: number; openMs?: number };
  /** Exact-match response cache (model + normalized request). Off by default; never used for temperature > 0 unless `cacheNonDeterministic`. */
  cache?: { ttlMs: number; cacheNonDeterministic?: boolean };
}

/** Where the layer keeps shared state (the sidecar's store): the response cache and breaker openings. */
export interface SharedState {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/** Opens after `failures` consecutive failures; after `openMs` lets one probe through (half-open). */
export class CircuitBreaker {
  private fails = 0;
  private openedAt = 0;
  private probing = false;
  constructor(
    private readonly failures: number,
    private readonly openMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    if (this.fails < this.failures) return 'closed';
    return this.now() - this.openedAt >= this.openMs ? 'half-open' : 'open';
  }

  /** Whether a call may go through now (in half-open, only one probe at a time). */
  allow(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  success(): void {
    this.fails = 0;
    this.probing = false;
  }

  /** Opens the breaker as of `openedAt` (another replica saw the failures). */
  openFrom(openedAt: number): void {
    this.fails = Math.max(this.fails, this.failures);
    this.openedAt = openedAt;
  }

  failure(): void {
    this.probing = false;
    this.fails++;
    if (this.fails >= this.failures) this.openedAt = this.now();
  }
}

class Semaphore {
  private active = 0;
  constructor(private readonly limit: number) {}
  tryAcquire(): boolean {
    if (this.active >= this.limit) return false;
    this.active++;
    return true;
  }
  release(): void {
    this.active--;
  }
}

interface Target extends ChainTarget {
  client: OpenAI;
  breaker: CircuitBreaker;
  slots: Semaphore;
}

export class LlmConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LlmConfigError';
  }
}

function apiKeyOf(p: ProviderConfig): string {
  if (p.apiKeyFile) {
    try {
      return readFileSync(p.apiKeyFile, 'utf8').trim();
    } catch (err) {
      throw new LlmConfigError(
        `provider ${p.name}: cannot read apiKeyFile ${p.apiKeyFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  if (p.apiKeyEnv) {
    const key = process.env[p.apiKeyEnv];
    if (!key) throw new LlmConfigError(`provider ${p.name}: environment variable ${p.apiKeyEnv} is not set`);
    return key;
  }
  if (p.type === 'compatible') return 'unused';
  throw new LlmConfigError(`provider ${p.name}: give apiKeyEnv or apiKeyFile`);
}

const ajv = new Ajv({ strict: false, allErrors: true });

/** Token counts from the provider, or estimated (about four characters a token) when it gives none. */
function usageOf(
  completion: OpenAI.Chat.ChatCompletion,
  messages: readonly OpenAI.Chat.ChatCompletionMessageParam[],
  content: string,
): { promptTokens: number; completionTokens: number; estimated?: true } {
  if (completion.usage)
    return { promptTokens: completion.usage.prompt_tokens, completionTokens: completion.usage.completion_tokens };
  const prompt = messages.reduce((n, m) => n + Math.ceil(String(m.content ?? '').length / 4) + 4, 0);
  return { promptTokens: prompt, completionTokens: Math.ceil(content.length / 4), estimated: true };
}

function describeFailure(err: unknown): { code: string; reason: string } {
  if (err instanceof APIConnectionTimeoutError)
    return { code: 'timeout', reason: 'the provider did not answer in time' };
  if (err instanceof APIError) {
    const status = err.status;
    if (status === 429) return { code: 'rate_limited', reason: 'the provider rate-limited the call' };
    if (status !== undefined && status >= 500)
      return { code: 'provider_error', reason: `the provider failed (HTTP ${status})` };
    if (status !== undefined) return { code: 'rejected', reason: `the provider refused the call (HTTP ${status})` };
    return { code: 'connection', reason: 'the provider could not be reached' };
  }
  if (err instanceof SyntaxError) return { code: 'malformed', reason: 'the provider answered with malformed JSON' };
  return { code: 'error', reason: err instanceof Error ? err.message : String(err) };
}

/** The LLM layer: plugs into policies as `ctx.llm`. */
export class LlmLayer implements LlmHooks {
  readonly available = true;
  private readonly targets: Target[];
  private readonly validators = new WeakMap<object, ValidateFunction>();

  private readonly cache: LlmLayerConfig['cache'];
  private readonly openMs: number;
  /** When each target's shared breaker key was last read (replicas learn of openings within a second). */
  private readonly sharedCheckedAt = new Map<Target, number>();

  constructor(
    config: LlmLayerConfig,
    private readonly shared?: SharedState,
  ) {
    this.cache = config.cache;
    this.openMs = config.breaker?.openMs ?? 30_000;
    const byName = new Map(config.providers.map((p) => [p.name, p]));
    if (config.chain.length === 0) throw new LlmConfigError('the chain needs at least one { provider, model }');
    const clients = new Map<string, OpenAI>();
    this.targets = config.chain.map((t) => {
      const p = byName.get(t.provider);
      if (!p) throw new LlmConfigError(`chain target ${t.provider}/${t.model}: no provider is named ${t.provider}`);
      let client = clients.get(p.name);
      if (!client) {
        const common = { apiKey: apiKeyOf(p), timeout: config.timeoutMs ?? 10_000, maxRetries: config.maxRetries ?? 2 };
        if (p.type === 'azure') {
          if (!p.endpoint || !p.apiVersion)
            throw new LlmConfigError(`provider ${p.name}: azure needs endpoint and apiVersion`);
          client = new AzureOpenAI({ ...common, endpoint: p.endpoint, apiVersion: p.apiVersion });
        } else {
          if (p.type === 'compatible' && !p.baseURL)
            throw new LlmConfigError(`provider ${p.name}: compatible needs baseURL`);
          client = new OpenAI({ ...common, ...(p.baseURL ? { baseURL: p.baseURL } : {}) });
        }
        clients.set(p.name, client);
      }
      return {
        ...t,
        client,
        breaker: new CircuitBreaker(config.breaker?.failures ?? 5, config.breaker?.openMs ?? 30_000),
        slots: new Semaphore(config.concurrency ?? 16),
      };
    });
  }

  /** Breaker state per target, for metrics and `/readyz`. */
  states(): { provider: string; model: string; state: BreakerState }[] {
    return this.targets.map((t) => ({ provider: t.provider, model: t.model, state: t.breaker.state }));
  }

  private validatorFor(schema: Record<string, unknown>): ValidateFunction {
    let v = this.validators.get(schema);
    if (!v) {
      v = ajv.compile(schema);
      this.validators.set(schema, v);
    }
    return v;
  }

  private async attempt(t: Target, request: LlmRequest, signal?: AbortSignal): Promise<LlmResult> {
    const messages = request.messages.map((m) => ({
      role: m.role,
      content: m.content,
    })) as OpenAI.Chat.ChatCompletionMessageParam[];
    const call = async (msgs: OpenAI.Chat.ChatCompletionMessageParam[]) =>
      t.client.chat.completions.create(
        {
          model: request.model ?? t.model,
          messages: msgs,
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
          ...(request.schema
            ? {
                response_format: {
                  type: 'json_schema' as const,
                  json_schema: { name: 'answer', schema: request.schema, strict: false },
                },
              }
            : {}),
        },
        signal ? { signal } : {},
      );
    let completion = await call(messages);
    let content = completion.choices[0]?.message?.content ?? '';
    let usage: { promptTokens: number; completionTokens: number; estimated?: true } = usageOf(
      completion,
      messages,
      content,
    );
    if (!request.schema) return { ok: true, content, model: completion.model, provider: t.provider, usage };
    const validate = this.validatorFor(request.schema);
    const check = (text: string): { ok: true; json: unknown } | { ok: false; problems: string } => {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        return { ok: false, problems: `the answer is not JSON (${(err as Error).message})` };
      }
      return validate(json) ? { ok: true, json } : { ok: false, problems: ajv.errorsText(validate.errors) };
    };
    let checked = check(content);
    if (!checked.ok) {
      // one repair: show the model its answer and what is wrong with it
      completion = await call([
        ...messages,
        { role: 'assistant', content },
        {
          role: 'user',
          content: `Your answer does not match the required JSON Schema: ${checked.problems}. Answer again with JSON only.`,
        },
      ]);
      content = completion.choices[0]?.message?.content ?? '';
      const more = usageOf(completion, messages, content);
      usage = {
        promptTokens: usage.promptTokens + more.promptTokens,
        completionTokens: usage.completionTokens + more.completionTokens,
        ...(usage.estimated || more.estimated ? { estimated: true as const } : {}),
      };
      checked = check(content);
      if (!checked.ok)
        return {
          ok: false,
          code: 'schema_violation',
          reason: `the answer broke the schema twice: ${checked.problems}`,
        };
    }
    return { ok: true, content, json: checked.json, model: completion.model, provider: t.provider, usage };
  }

  private cacheKey(t: Target, request: LlmRequest): string | undefined {
    if (!this.cache || !this.shared) return undefined;
    const temperature = request.temperature ?? 1;
    if (temperature > 0 && !this.cache.cacheNonDeterministic) return undefined;
    const normalized = JSON.stringify({
      model: request.model ?? t.model,
      messages: request.messages.map((m) => [m.role, m.content.trim().replace(/\s+/g, ' ')]),
      temperature,
      maxTokens: request.maxTokens ?? null,
      schema: request.schema ?? null,
    });
    return `llm:cache:${t.provider}:${createHash('sha256').update(normalized).digest('hex')}`;
  }

  /** Learns (at most once a second) whether another replica opened this target's breaker. */
  private async sharedOpen(t: Target): Promise<boolean> {
    if (!this.shared) return false;
    const now = Date.now();
    if (now - (this.sharedCheckedAt.get(t) ?? 0) < 1000) return false;
    this.sharedCheckedAt.set(t, now);
    try {
      const openedAt = Number((await this.shared.get(`llm:breaker:${t.provider}:${t.model}`)) ?? 0);
      if (openedAt > 0 && now - openedAt < this.openMs && t.breaker.state === 'closed') t.breaker.openFrom(openedAt);
      return t.breaker.state === 'open';
    } catch {
      return false;
    }
  }

  async complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmResult> {
    const reasons: string[] = [];
    let lastCode = 'unavailable';
    for (const t of this.targets) {
      await this.sharedOpen(t);
      const key = this.cacheKey(t, request);
      if (key) {
        const hit = await this.shared!.get(key).catch(() => undefined);
        if (hit) return { ...(JSON.parse(hit) as LlmResult & { ok: true }), cached: true } as LlmResult;
      }
      if (!t.breaker.allow()) {
        reasons.push(`${t.provider}/${t.model}: circuit open`);
        lastCode = 'circuit_open';
        continue;
      }
      if (!t.slots.tryAcquire()) {
        reasons.push(`${t.provider}/${t.model}: too many calls in flight`);
        lastCode = 'overloaded';
        t.breaker.success();
        continue;
      }
      try {
        const result = await this.attempt(t, request, signal);
        if (result.ok) {
          t.breaker.success();
          if (key) await this.shared!.set(key, JSON.stringify(result), this.cache!.ttlMs).catch(() => undefined);
          return result;
        }
        // a schema violation is the answer's fault, not the provider's health
        t.breaker.success();
        reasons.push(`${t.provider}/${t.model}: ${result.reason}`);
        lastCode = result.code;
      } catch (err) {
        const f = describeFailure(err);
        if (signal?.aborted) return { ok: false, code: 'cancelled', reason: 'the call was cancelled' };
        if (f.code !== 'rejected') {
          t.breaker.failure();
          // tell the other replicas when this one opens the breaker
          if (t.breaker.state === 'open' && this.shared) {
            await this.shared
              .set(`llm:breaker:${t.provider}:${t.model}`, String(Date.now()), this.openMs)
              .catch(() => undefined);
          }
        } else t.breaker.success();
        reasons.push(`${t.provider}/${t.model}: ${f.reason}`);
        lastCode = f.code;
      } finally {
        t.slots.release();
      }
    }
    return { ok: false, code: lastCode, reason: reasons.join('; ') };
  }
}
