/**
 * @fileoverview The Redis backend of the store, so that several sidecar replicas share counters,
 * quotas, the pseudonym vault, caches and circuit state. Increments with a TTL are one Lua script
 * (atomic). While Redis is unreachable, calls fail fast instead of queueing: policies that need the
 * store fail (redact-pii with pseudonyms fails closed), `/readyz` answers 503, and the process keeps
 * serving everything that does not need the store.
 */
import { Redis } from 'ioredis';
import type { Store } from '@synapse-ai/sdk';

const INCR_WITH_TTL = `
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 and v == tonumber(ARGV[1]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return v`;

/** INCRBY only when the result stays at most ARGV[2]; nil when refused. TTL as INCR_WITH_TTL. */
const INCR_AT_MOST = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if cur + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return false end
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(ARGV[3]) > 0 and v == tonumber(ARGV[1]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return v`;

export interface RedisStoreOptions {
  /** `redis://[:password@]host:port/db` (rediss:// for TLS). */
  url: string;
  /** Prefix of every key (default `sai:`), so one Redis can serve several deployments. */
  keyPrefix?: string;
  /** A command not answered within this many milliseconds fails (default 500). */
  commandTimeoutMs?: number;
}

export class RedisStore implements Store {
  private readonly redis: Redis;

  constructor(options: RedisStoreOptions) {
    this.redis = new Redis(options.url, {
      keyPrefix: options.keyPrefix ?? 'sai:',
      commandTimeout: options.commandTimeoutMs ?? 500,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: false,
      retryStrategy: (times) => Math.min(1000, 50 * times),
    });
    // connection errors are reported through ping()/readiness, not as unhandled events
    this.redis.on('error', () => {});
    this.redis.defineCommand('saiIncr', { numberOfKeys: 1, lua: INCR_WITH_TTL });
    this.redis.defineCommand('saiIncrAtMost', { numberOfKeys: 1, lua: INCR_AT_MOST });
  }

  /** Resolves once connected (or rejects after `timeoutMs`). */
  async ready(timeoutMs = 5000): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`Redis did not become ready within ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = (): void => {
        cleanup();
        resolve();
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
      };
      this.redis.on('ready', onReady);
    });
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(key)) ?? undefined;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    if (ttlMs === undefined) await this.redis.set(key, value);
    else await this.redis.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const r =
      ttlMs === undefined
        ? await this.redis.set(key, value, 'NX')
        : await this.redis.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
    return r === 'OK';
  }

  async delete(key: string): Promise<boolean> {
    return (await this.redis.del(key)) > 0;
  }

  async incr(key: string, by = 1, ttlMs?: number): Promise<number> {
    const r = (await (
      this.redis as unknown as { saiIncr(key: string, by: number, ttl: number): Promise<number> }
    ).saiIncr(key, by, ttlMs === undefined ? 0 : Math.max(1, Math.round(ttlMs)))) as number;
    return Number(r);
  }

  async incrAtMost(key: string, by: number, max: number, ttlMs?: number): Promise<number | undefined> {
    const r = await (
      this.redis as unknown as {
        saiIncrAtMost(key: string, by: number, max: number, ttl: number): Promise<number | null>;
      }
    ).saiIncrAtMost(key, by, max, ttlMs === undefined ? 0 : Math.max(1, Math.round(ttlMs)));
    return r === null ? undefined : Number(r);
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
