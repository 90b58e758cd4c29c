/**
 * @fileoverview What a policy handler gets besides the message: its options, a logger, an HTTP
 * client, a clock, the shared store and the LLM hooks.
 */
import type { AxiosInstance } from 'axios';
import { SaiError } from './errors';
import type { GatewayContext } from './message';

/** The logging surface policies use; the sidecar backs it with winston. */
export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  child(meta: Record<string, unknown>): Logger;
  /** Whether records of `level` are written (winston's); callers may skip building them when not. */
  isLevelEnabled?(level: string): boolean;
}

export const silentLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  child() {
    return silentLogger;
  },
};

/**
 * A child logger that is only built when first used: most requests never log, and building winston
 * children on every request costs more than the policies themselves.
 */
export function lazyChild(parent: Logger, meta: Record<string, unknown>): Logger {
  return new LazyChild(parent, meta);
}

class LazyChild implements Logger {
  private built: Logger | undefined;
  constructor(
    private readonly parent: Logger,
    private readonly meta: Record<string, unknown>,
  ) {}
  private get logger(): Logger {
    return (this.built ??= this.parent.child(this.meta));
  }
  error(message: string, meta?: Record<string, unknown>): void {
    this.logger.error(message, meta);
  }
  warn(message: string, meta?: Record<string, unknown>): void {
    this.logger.warn(message, meta);
  }
  info(message: string, meta?: Record<string, unknown>): void {
    this.logger.info(message, meta);
  }
  debug(message: string, meta?: Record<string, unknown>): void {
    // a dropped record does not build the child
    if (this.built === undefined && this.parent.isLevelEnabled?.('debug') === false) return;
    this.logger.debug(message, meta);
  }
  child(meta: Record<string, unknown>): Logger {
    return new LazyChild(this.parent, { ...this.meta, ...meta });
  }
  isLevelEnabled(level: string): boolean {
    return this.parent.isLevelEnabled?.(level) ?? true;
  }
}

export interface Clock {
  /** Wall-clock milliseconds since the epoch. */
  now(): number;
  /** Monotonic milliseconds, for durations. */
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

/**
 * Shared state: counters, budgets, the pseudonym vault, caches, circuit state. In-memory by default;
 * a Redis backend lets several sidecar replicas share it. Every method is atomic per key.
 */
export interface Store {
  get(key: string): Promise<string | undefined>;
  /** Sets `key`; with `ttlMs` it expires after that many milliseconds. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Sets `key` only when it holds nothing (or has expired); true when it was set. */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  /** Adds `by` to the integer at `key` (0 when absent) and returns the new value. `ttlMs` applies when the key is created. */
  incr(key: string, by?: number, ttlMs?: number): Promise<number>;
  /**
   * Adds `by` to the integer at `key` only when the result stays at most `max`, in one atomic step:
   * the new value, or `undefined` when refused (then nothing changed). `ttlMs` applies when created.
   */
  incrAtMost(key: string, by: number, max: number, ttlMs?: number): Promise<number | undefined>;
  /** Whether the backend is reachable (for `/readyz`). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

interface Entry {
  value: string;
  expiresAt: number;
}

/** The default store: a Map with expiry, swept lazily on access and every `sweepMs`. */
export class MemoryStore implements Store {
  private readonly map = new Map<string, Entry>();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly clock: Clock = systemClock,
    sweepMs = 30_000,
  ) {
    if (sweepMs > 0) {
      this.timer = setInterval(() => this.sweep(), sweepMs);
      this.timer.unref();
    }
  }

  private live(key: string): Entry | undefined {
    const e = this.map.get(key);
    if (e && e.expiresAt <= this.clock.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e;
  }

  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.live(key)?.value);
  }

  set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.map.set(key, { value, expiresAt: ttlMs === undefined ? Infinity : this.clock.now() + ttlMs });
    return Promise.resolve();
  }

  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.live(key)) return Promise.resolve(false);
    this.map.set(key, { value, expiresAt: ttlMs === undefined ? Infinity : this.clock.now() + ttlMs });
    return Promise.resolve(true);
  }

  delete(key: string): Promise<boolean> {
    return Promise.resolve(this.map.delete(key));
  }

  incr(key: string, by = 1, ttlMs?: number): Promise<number> {
    const e = this.live(key);
    if (!e) {
      this.map.set(key, { value: String(by), expiresAt: ttlMs === undefined ? Infinity : this.clock.now() + ttlMs });
      return Promise.resolve(by);
    }
    const next = Number.parseInt(e.value, 10) + by;
    if (!Number.isSafeInteger(next)) return Promise.reject(new Error(`store key ${key} does not hold an integer`));
    e.value = String(next);
    return Promise.resolve(next);
  }

  incrAtMost(key: string, by: number, max: number, ttlMs?: number): Promise<number | undefined> {
    const current = this.live(key);
    const value = current ? Number.parseInt(current.value, 10) : 0;
    if (value + by > max) return Promise.resolve(undefined);
    return this.incr(key, by, ttlMs);
  }

  ping(): Promise<boolean> {
    return Promise.resolve(true);
  }

  /** Removes expired entries. */
  sweep(): void {
    const now = this.clock.now();
    for (const [k, e] of this.map) if (e.expiresAt <= now) this.map.delete(k);
  }

  get size(): number {
    return this.map.size;
  }

  close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.map.clear();
    return Promise.resolve();
  }
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}

export interface LlmRequest {
  messages: ChatMessage[];
  /** JSON Schema the answer must satisfy (structured output). */
  schema?: Record<string, unknown>;
  model?: string;
  temperature?: number;
  maxTokens?: number;
  /**
   * The data class of what the prompt carries (e.g. `confidential`), when the policy knows it: with
   * the gateway's `X-Data-Class`, it selects the chain the call may use (see the sidecar's routes).
   */
  dataClass?: string;
}

/** Tokens one provider attempt consumed (an answer, a repair, or an answer that was then refused). */
export interface LlmSpend {
  provider: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  estimated?: boolean;
}

export type LlmResult =
  | {
      ok: true;
      content: string;
      json?: unknown;
      model: string;
      /** Which configured provider answered. */
      provider?: string;
      usage: { promptTokens: number; completionTokens: number; estimated?: boolean };
      /** Served from the response cache. */
      cached?: boolean;
      /**
       * Every provider attempt of this call that consumed tokens, in order: failed and repaired ones
       * too (what metering bills). Empty for a cache hit; absent from layers that do not report it.
       */
      spent?: LlmSpend[];
    }
  | { ok: false; reason: string; code: string; spent?: LlmSpend[] };

/** Where the LLM layer plugs in. Without a provider configured, `available` is false and calls fail clearly. */
export interface LlmHooks {
  readonly available: boolean;
  complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmResult>;
}

export const unconfiguredLlm: LlmHooks = {
  available: false,
  complete() {
    return Promise.reject(
      new SaiError('SAI_ERR_LLM_NOT_CONFIGURED', {
        message:
          'This policy needs an LLM provider and none is configured. Add an "llm" section to the sidecar configuration.',
      }),
    );
  },
};

/** Everything a handler can use. `options` were validated and frozen when the policy was mounted. */
export interface PolicyContext<Options> {
  readonly options: Options;
  readonly logger: Logger;
  readonly http: AxiosInstance;
  readonly clock: Clock;
  readonly store: Store;
  readonly llm: LlmHooks;
  readonly gateway: Readonly<GatewayContext>;
  /** Aborted when the request deadline passes or the client goes away. */
  readonly signal: AbortSignal;
}
