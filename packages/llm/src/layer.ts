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
import { APIConnectionError, APIConnectionTimeoutError, APIError, AzureOpenAI, OpenAI } from 'openai';
import type { LlmHooks, LlmRequest, LlmResult, LlmSpend } from '@synapse-ai/sdk';

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
  /**
   * Models this provider hosts besides its chain targets' own: a policy's model override is sent only
   * to a target whose provider hosts it (the chain model, or one listed here); others are skipped.
   */
  models?: readonly string[];
}

export interface ChainTarget {
  provider: string;
  model: string;
}

/** Which chain serves a call. */
export interface LlmRoutes {
  /** By the pipeline (or policy) the gateway called: its chain. */
  pipelines?: Readonly<Record<string, string>>;
  /**
   * By data class (from the gateway's `X-Data-Class` or set by a policy), most sensitive first: a
   * call of a listed class is served by that chain only, whatever its pipeline's route (the policy's
   * deterministic fallback comes after it, never another chain). Names compare without case.
   */
  dataClasses?: Readonly<Record<string, string>>;
}

export interface LlmLayerConfig {
  providers: readonly ProviderConfig[];
  /** The default chain, tried in order; the policy's own deterministic fallback comes after the last. */
  chain: readonly ChainTarget[];
  /** Named chains that routes choose (a target in several chains shares its breaker and slots). */
  chains?: Readonly<Record<string, readonly ChainTarget[]>>;
  routes?: LlmRoutes;
  /** Per attempt (default 10 s). */
  timeoutMs?: number;
  /** Retries of retryable errors (429, 408, 409, 5xx, connection errors) per target (default 2). */
  maxRetries?: number;
  /** Calls in flight per target (default 16). */
  concurrency?: number;
  /**
   * A short queue per target for calls that find every slot taken: at most `max` waiting calls, each
   * for at most `waitMs` (default: no queue; a full target is skipped at once).
   */
  queue?: { max: number; waitMs: number };
  /** The longest wait before a retry (a provider's Retry-After included) the layer takes (default 2000 ms); a longer one moves to the next target. */
  maxRetryWaitMs?: number;
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

  /** A probe that was let through but never made (no slot was free): the state stays as it was. */
  release(): void {
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

/** A concurrency limit with an optional short, bounded queue of waiting calls. */
export class Semaphore {
  private active = 0;
  private readonly waiters: (() => void)[] = [];
  constructor(
    private readonly limit: number,
    private readonly queue: { max: number; waitMs: number } = { max: 0, waitMs: 0 },
  ) {}

  /** A slot now, or after waiting in the queue (bounded in length and time); false when none came. */
  async acquire(signal?: AbortSignal, maxWaitMs = Infinity): Promise<boolean> {
    if (this.active < this.limit) {
      this.active++;
      return true;
    }
    const waitMs = Math.min(this.queue.waitMs, maxWaitMs);
    if (this.waiters.length >= this.queue.max || waitMs <= 0 || signal?.aborted) return false;
    return new Promise<boolean>((resolve) => {
      const done = (got: boolean): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(got);
      };
      // a released slot passes straight to the first waiter (active stays counted)
      const grant = (): void => done(true);
      const onAbort = (): void => done(false);
      const timer = setTimeout(() => done(false), waitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(grant);
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.active--;
  }

  /** Calls waiting for a slot (for tests and metrics). */
  get waiting(): number {
    return this.waiters.length;
  }
}

interface Target extends ChainTarget {
  /** Models the target may be asked for (its own, and what its provider lists). */
  hosts: ReadonlySet<string>;
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

export interface CallOptions {
  /** When the caller needs the answer by, on the performance.now() clock. */
  deadline?: number;
  /** The chain to use (see `route`); default: the default chain. */
  chain?: string;
}

/** The chain a call is routed to, and why (for audit records). */
export interface Route {
  chain: string;
  /** The data class that decided, when one did. */
  dataClass?: string;
}

/** One attempt at a target, as metrics see it. */
export interface AttemptEvent {
  provider: string;
  model: string;
  /** `ok`, or the failure code (timeout, rate_limited, provider_error, schema_violation, …). */
  outcome: string;
  seconds: number;
}

/** What the layer reports as it works (the sidecar turns it into metrics). */
export interface LayerObserver {
  attempt?(e: AttemptEvent): void;
  /** The chain moved past a target to the next one (or to the policy's fallback after the last). */
  fallback?(e: { provider: string; model: string; reason: string }): void;
}

/** A failed call: why, and what its attempts spent. */
export interface LlmFailure {
  ok: false;
  code: string;
  reason: string;
  spent?: LlmSpend[];
}

export type EmbeddingResult =
  | {
      ok: true;
      vectors: number[][];
      model: string;
      provider: string;
      usage: { promptTokens: number; completionTokens: number };
      cached?: boolean;
      spent?: LlmSpend[];
    }
  | LlmFailure;

export type ImageResult =
  | {
      ok: true;
      images: { url?: string; b64_json?: string }[];
      model: string;
      provider: string;
      usage: { promptTokens: number; completionTokens: number };
      cached?: boolean;
      spent?: LlmSpend[];
    }
  | LlmFailure;

/** One attempt at a target: an answer, or a refusal that is the answer's fault (thrown errors are the provider's). */
type Attempt<R> = (
  t: Target,
  spent: LlmSpend[],
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
) => Promise<R | LlmFailure>;

/** The name of the default chain in routes and audit records. */
export const DEFAULT_CHAIN = 'default';

/** The LLM layer: plugs into policies as `ctx.llm`. */
export class LlmLayer implements LlmHooks {
  readonly available = true;
  private readonly targets: Target[];
  private readonly chains = new Map<string, Target[]>();
  private readonly dataClasses: [string, string][] = [];
  private readonly pipelineRoutes: ReadonlyMap<string, string>;
  private readonly validators = new WeakMap<object, ValidateFunction>();

  private readonly cache: LlmLayerConfig['cache'];
  private readonly openMs: number;
  private readonly maxRetries: number;
  private readonly maxRetryWaitMs: number;
  private readonly timeoutMs: number;
  /** When each target's shared breaker key was last read (replicas learn of openings within a second). */
  private readonly sharedCheckedAt = new Map<Target, number>();

  constructor(
    config: LlmLayerConfig,
    private readonly shared?: SharedState,
    private readonly observer: LayerObserver = {},
  ) {
    this.cache = config.cache;
    this.openMs = config.breaker?.openMs ?? 30_000;
    this.maxRetries = config.maxRetries ?? 2;
    this.maxRetryWaitMs = config.maxRetryWaitMs ?? 2000;
    this.timeoutMs = config.timeoutMs ?? 10_000;
    const byName = new Map(config.providers.map((p) => [p.name, p]));
    if (config.chain.length === 0) throw new LlmConfigError('the chain needs at least one { provider, model }');
    const clients = new Map<string, OpenAI>();
    // one target per provider and model, whichever chains list it: its breaker and slots are shared
    const byTarget = new Map<string, Target>();
    const targetFor = (t: ChainTarget, where: string): Target => {
      const p = byName.get(t.provider);
      if (!p) throw new LlmConfigError(`${where} target ${t.provider}/${t.model}: no provider is named ${t.provider}`);
      const id = `${t.provider}\u0000${t.model}`;
      const known = byTarget.get(id);
      if (known) return known;
      let client = clients.get(p.name);
      if (!client) {
        // the layer retries itself (see complete): it knows the request's deadline and the chain
        const common = { apiKey: apiKeyOf(p), timeout: config.timeoutMs ?? 10_000, maxRetries: 0 };
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
      const target: Target = {
        provider: t.provider,
        model: t.model,
        hosts: new Set([t.model, ...(p.models ?? [])]),
        client,
        breaker: new CircuitBreaker(config.breaker?.failures ?? 5, config.breaker?.openMs ?? 30_000),
        slots: new Semaphore(config.concurrency ?? 16, config.queue),
      };
      byTarget.set(id, target);
      return target;
    };
    this.chains.set(
      DEFAULT_CHAIN,
      config.chain.map((t) => targetFor(t, 'chain')),
    );
    for (const [name, chain] of Object.entries(config.chains ?? {})) {
      if (name === DEFAULT_CHAIN)
        throw new LlmConfigError(`chains.${name}: the name ${DEFAULT_CHAIN} is the top-level chain; pick another`);
      if (chain.length === 0) throw new LlmConfigError(`chains.${name} needs at least one { provider, model }`);
      this.chains.set(
        name,
        chain.map((t) => targetFor(t, `chains.${name}`)),
      );
    }
    this.targets = [...byTarget.values()];
    const known = (name: string, where: string): void => {
      if (!this.chains.has(name))
        throw new LlmConfigError(
          `${where} names the chain ${name}, which is not defined (chains: ${[...this.chains.keys()].join(', ')})`,
        );
    };
    for (const [pipeline, chain] of Object.entries(config.routes?.pipelines ?? {}))
      known(chain, `routes.pipelines.${pipeline}`);
    for (const [dataClass, chain] of Object.entries(config.routes?.dataClasses ?? {})) {
      known(chain, `routes.dataClasses.${dataClass}`);
      this.dataClasses.push([dataClass.toLowerCase(), chain]);
    }
    this.pipelineRoutes = new Map(Object.entries(config.routes?.pipelines ?? {}));
  }

  /**
   * The chain for a call: the first configured data class (most sensitive first) among the call's,
   * else the pipeline's route, else the default chain.
   */
  route(call: { pipeline?: string; dataClasses?: readonly (string | undefined)[] }): Route {
    const classes = new Set(
      (call.dataClasses ?? []).flatMap((c) => (c ?? '').split(',').map((x) => x.trim().toLowerCase())),
    );
    for (const [dataClass, chain] of this.dataClasses) if (classes.has(dataClass)) return { chain, dataClass };
    const byPipeline = call.pipeline === undefined ? undefined : this.pipelineRoutes.get(call.pipeline);
    return { chain: byPipeline ?? DEFAULT_CHAIN };
  }

  /** The chains by name (the default one as `default`), for metrics and checks. */
  chainNames(): string[] {
    return [...this.chains.keys()];
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

  private async attempt(
    t: Target,
    request: LlmRequest,
    spent: LlmSpend[],
    signal?: AbortSignal,
    timeoutMs?: number,
  ): Promise<LlmResult> {
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
        requestOptions(signal, timeoutMs),
      );
    // every answer consumed tokens, whatever becomes of it: metering bills each one
    const spend = (
      c: OpenAI.Chat.ChatCompletion,
      u: { promptTokens: number; completionTokens: number; estimated?: true },
    ): void => {
      spent.push({ provider: t.provider, model: c.model || (request.model ?? t.model), ...u });
    };
    let completion = await call(messages);
    let content = completion.choices[0]?.message?.content ?? '';
    let usage: { promptTokens: number; completionTokens: number; estimated?: true } = usageOf(
      completion,
      messages,
      content,
    );
    spend(completion, usage);
    if (!request.schema)
      return { ok: true, content, model: completion.model || (request.model ?? t.model), provider: t.provider, usage };
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
      spend(completion, more);
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
    return {
      ok: true,
      content,
      json: checked.json,
      model: completion.model || (request.model ?? t.model),
      provider: t.provider,
      usage,
    };
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

  /**
   * One call through the chain. `options.deadline` (performance.now() time) is when the caller needs
   * the answer by: waits that could not end before it are not taken (the sidecar passes the request's).
   */
  async complete(request: LlmRequest, signal?: AbortSignal, options: CallOptions = {}): Promise<LlmResult> {
    return this.run<LlmResult & { ok: true }>(
      request.model,
      (t) => this.cacheKey(t, request),
      (t, spent, sig, timeout) => this.attempt(t, request, spent, sig, timeout),
      signal,
      options,
    );
  }

  /**
   * Embeddings through a chain (`options.chain`), with the same breakers, slots, retries, deadline
   * and model hosting rules as completions. Usage is the provider's prompt tokens.
   */
  async embed(
    request: { input: readonly string[]; model?: string; dimensions?: number },
    signal?: AbortSignal,
    options: CallOptions = {},
  ): Promise<EmbeddingResult> {
    return this.run<EmbeddingResult & { ok: true }>(
      request.model,
      () => undefined,
      async (t, spent, sig, timeout) => {
        const model = request.model ?? t.model;
        const res = await t.client.embeddings.create(
          {
            model,
            input: [...request.input],
            ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}),
          },
          requestOptions(sig, timeout),
        );
        const promptTokens = res.usage?.prompt_tokens ?? request.input.reduce((n, x) => n + Math.ceil(x.length / 4), 0);
        const answered = res.model || model;
        spent.push({ provider: t.provider, model: answered, promptTokens, completionTokens: 0 });
        return {
          ok: true,
          vectors: res.data.map((d) => d.embedding as number[]),
          model: answered,
          provider: t.provider,
          usage: { promptTokens, completionTokens: 0 },
        };
      },
      signal,
      options,
    );
  }

  /** Images from a prompt, where the chain's providers offer them (same chain rules). */
  async image(
    request: { prompt: string; model?: string; n?: number; size?: string },
    signal?: AbortSignal,
    options: CallOptions = {},
  ): Promise<ImageResult> {
    return this.run<ImageResult & { ok: true }>(
      request.model,
      () => undefined,
      async (t, _spent, sig, timeout) => {
        const model = request.model ?? t.model;
        const res = await t.client.images.generate(
          {
            model,
            prompt: request.prompt,
            ...(request.n !== undefined ? { n: request.n } : {}),
            ...(request.size !== undefined ? { size: request.size as never } : {}),
          },
          requestOptions(sig, timeout),
        );
        const images = (res.data ?? []).map((d) => ({
          ...(d.url ? { url: d.url } : {}),
          ...(d.b64_json ? { b64_json: d.b64_json } : {}),
        }));
        return { ok: true, images, model, provider: t.provider, usage: { promptTokens: 0, completionTokens: 0 } };
      },
      signal,
      options,
    );
  }

  /**
   * One call through a chain: per target, the model hosting check, the cache, the breaker, a slot,
   * then the attempt with retries (tryTarget). What every attempt spent is kept on the result.
   */
  private async run<R extends { ok: true }>(
    model: string | undefined,
    cacheKeyOf: (t: Target) => string | undefined,
    attempt: Attempt<R>,
    signal: AbortSignal | undefined,
    options: CallOptions,
  ): Promise<(R & { spent: LlmSpend[] }) | LlmFailure> {
    const left = (): number | undefined =>
      options.deadline === undefined ? undefined : Math.max(0, options.deadline - performance.now());
    const reasons: string[] = [];
    let lastCode = 'unavailable';
    const spent: LlmSpend[] = [];
    const chain = this.chains.get(options.chain ?? DEFAULT_CHAIN);
    if (!chain) return { ok: false, code: 'unavailable', reason: `no chain is named ${options.chain}`, spent };
    for (const t of chain) {
      if (signal?.aborted) return { ok: false, code: 'cancelled', reason: 'the call was cancelled', spent };
      // a model override goes only where it is hosted: another provider would refuse it or, worse,
      // answer with a model of the same name that is not the one asked for
      if (model !== undefined && !t.hosts.has(model)) {
        reasons.push(`${t.provider}/${t.model}: does not host ${model}`);
        if (lastCode === 'unavailable') lastCode = 'model_unavailable';
        continue;
      }
      await this.sharedOpen(t);
      const key = cacheKeyOf(t);
      if (key) {
        const hit = await this.shared!.get(key).catch(() => undefined);
        // a cache hit reached no provider: nothing was spent on it (what earlier targets spent stays)
        if (hit) return { ...(JSON.parse(hit) as R), cached: true, spent };
      }
      if (!t.breaker.allow()) {
        reasons.push(`${t.provider}/${t.model}: circuit open`);
        lastCode = 'circuit_open';
        this.observer.fallback?.({ provider: t.provider, model: t.model, reason: 'circuit_open' });
        continue;
      }
      // a full target says nothing about its health: the breaker is left as it was (a probe let
      // through in half-open is handed back unused)
      if (!(await t.slots.acquire(signal, left()))) {
        t.breaker.release();
        reasons.push(`${t.provider}/${t.model}: too many calls in flight`);
        lastCode = 'overloaded';
        this.observer.fallback?.({ provider: t.provider, model: t.model, reason: 'overloaded' });
        continue;
      }
      const started = performance.now();
      try {
        const outcome = await this.tryTarget(t, attempt, spent, signal, left);
        const code = outcome.kind === 'answer' ? (outcome.result.ok ? 'ok' : outcome.result.code) : outcome.code;
        this.observer.attempt?.({
          provider: t.provider,
          model: t.model,
          outcome: code,
          seconds: (performance.now() - started) / 1000,
        });
        if (code !== 'ok' && code !== 'cancelled')
          this.observer.fallback?.({ provider: t.provider, model: t.model, reason: code });
        if (outcome.kind === 'answer') {
          const result = outcome.result;
          // a schema violation is the answer's fault, not the provider's health
          t.breaker.success();
          if (result.ok) {
            if (key) await this.shared!.set(key, JSON.stringify(result), this.cache!.ttlMs).catch(() => undefined);
            return { ...result, spent };
          }
          reasons.push(`${t.provider}/${t.model}: ${result.reason}`);
          lastCode = result.code;
          continue;
        }
        if (outcome.counts) await this.failed(t);
        else if (outcome.code === 'rejected')
          t.breaker.success(); // it answered: healthy, if unwilling
        else t.breaker.release();
        reasons.push(`${t.provider}/${t.model}: ${outcome.reason}`);
        lastCode = outcome.code;
        if (outcome.code === 'cancelled') return { ok: false, code: 'cancelled', reason: outcome.reason, spent };
      } finally {
        t.slots.release();
      }
    }
    return { ok: false, code: lastCode, reason: reasons.join('; '), spent };
  }

  /** Records a failure of the target's health; tells the other replicas when it opens the breaker. */
  private async failed(t: Target): Promise<void> {
    t.breaker.failure();
    if (t.breaker.state === 'open' && this.shared) {
      await this.shared
        .set(`llm:breaker:${t.provider}:${t.model}`, String(Date.now()), this.openMs)
        .catch(() => undefined);
    }
  }

  /**
   * One target: the call, and retries of retryable failures while they can end in time. A wait (the
   * provider's Retry-After, or jittered backoff) longer than `maxRetryWaitMs` or than the time the
   * request has left is not taken: the target counts as failed and the chain moves on at once.
   */
  private async tryTarget<R extends { ok: true }>(
    t: Target,
    call: Attempt<R>,
    spent: LlmSpend[],
    signal: AbortSignal | undefined,
    remaining: () => number | undefined,
  ): Promise<
    { kind: 'answer'; result: R | LlmFailure } | { kind: 'failed'; code: string; reason: string; counts: boolean }
  > {
    for (let attempt = 0; ; attempt++) {
      const left = remaining();
      if (left !== undefined && left <= 0)
        return { kind: 'failed', code: 'cancelled', reason: 'no time was left for the call', counts: false };
      const timeout = left === undefined ? undefined : Math.max(1, Math.floor(Math.min(this.timeoutMs, left)));
      const started = performance.now();
      try {
        return { kind: 'answer', result: await call(t, spent, signal, timeout) };
      } catch (err) {
        // some runtimes report the client's own timeout as a plain connection error: one that ends at
        // the timeout is a timeout
        const timedOut =
          err instanceof APIConnectionTimeoutError ||
          (err instanceof APIConnectionError && performance.now() - started >= 0.95 * (timeout ?? this.timeoutMs));
        if (signal?.aborted) {
          // cut off by the request's deadline while the provider was answering: that is the provider
          // being too slow, and counts; a caller that went away says nothing about the provider
          const byDeadline =
            (remaining() ?? 0) === 0 && !(signal.reason instanceof Error && signal.reason.message === 'cancelled');
          return { kind: 'failed', code: 'cancelled', reason: 'the call was cancelled', counts: byDeadline };
        }
        const f = timedOut ? { code: 'timeout', reason: 'the provider did not answer in time' } : describeFailure(err);
        if (timedOut || !retryable(err))
          return { kind: 'failed', code: f.code, reason: f.reason, counts: f.code !== 'rejected' };
        if (attempt >= this.maxRetries) return { kind: 'failed', code: f.code, reason: f.reason, counts: true };
        const asked = retryAfterMs(err);
        const wait = asked ?? backoffMs(attempt);
        const budget = Math.min(this.maxRetryWaitMs, (remaining() ?? Infinity) - 1);
        if (wait > budget) {
          const why = asked !== undefined ? `asks to wait ${Math.ceil(wait / 1000)} s` : 'has no time left for a retry';
          return { kind: 'failed', code: f.code, reason: `${f.reason}; ${why}`, counts: true };
        }
        if (!(await sleep(wait, signal)))
          return { kind: 'failed', code: 'cancelled', reason: 'the call was cancelled', counts: false };
      }
    }
  }
}

/**
 * Failures worth another try at the same target: connection errors, 408, 409, 429 and 5xx. (A target
 * that did not answer in time is not tried again, see tryTarget: another wait as long would eat the
 * time the next target needs.)
 */
function retryable(err: unknown): boolean {
  if (err instanceof APIConnectionError) return true;
  if (err instanceof APIError) {
    const s = err.status;
    return s === undefined || s === 408 || s === 409 || s === 429 || s >= 500;
  }
  return false;
}

/** The wait a provider asks for: `retry-after-ms`, or `Retry-After` in seconds or as an HTTP date. */
export function retryAfterMs(err: unknown): number | undefined {
  if (!(err instanceof APIError) || !err.headers) return undefined;
  const headers = err.headers as Headers;
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (value.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The `openai` client's per-request options: the caller's signal and the attempt's timeout. */
function requestOptions(signal: AbortSignal | undefined, timeout: number | undefined): OpenAI.RequestOptions {
  return { ...(signal ? { signal } : {}), ...(timeout !== undefined ? { timeout } : {}) };
}

/** Jittered exponential backoff: about 250 ms, 500 ms, 1 s … (at most 8 s). */
function backoffMs(attempt: number): number {
  const base = Math.min(8000, 250 * 2 ** attempt);
  return base * (0.75 + Math.random() * 0.5);
}

/** Waits `ms`; false when the signal aborted first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
