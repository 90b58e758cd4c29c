import request from 'supertest';
import { MemoryStore, type Store } from '@synapse-ai/sdk';
import { builtinPolicies } from '@synapse-ai/policies';
import { buildRegistry, createApp } from '../app';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { Meter } from '@synapse-ai/llm';
import { RedisStore } from '../redisStore';
import { redisAvailable, startRedis, type TestRedis } from './redisServer';

const available = redisAvailable();

(available ? describe : describe.skip)(
  `RedisStore against a real redis-server${available ? '' : ' — not run: redis-server is not installed (Debian: apt-get install -y redis-server)'}`,
  () => {
    let redis: TestRedis;
    const stores: RedisStore[] = [];
    const open = async (prefix = 'test:'): Promise<RedisStore> => {
      const s = new RedisStore({ url: redis.url, keyPrefix: prefix, commandTimeoutMs: 300 });
      stores.push(s);
      await s.ready();
      return s;
    };

    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(async () => {
      await Promise.all(stores.map((s) => s.close()));
      await redis.stop();
    });

    it('gets, sets with TTL, deletes and pings', async () => {
      const s = await open();
      await s.set('k', 'v');
      expect(await s.get('k')).toBe('v');
      await s.set('short', 'x', 400);
      expect(await s.get('short')).toBe('x');
      await new Promise((r) => setTimeout(r, 600));
      expect(await s.get('short')).toBeUndefined();
      expect(await s.delete('k')).toBe(true);
      expect(await s.delete('k')).toBe(false);
      expect(await s.ping()).toBe(true);
    });

    it('increments atomically: no lost update with 50 parallel calls from two replicas', async () => {
      const a = await open('shared:');
      const b = await open('shared:');
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).incr('counter', 1, 60_000)),
      );
      expect([...results].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(await a.get('counter')).toBe('50');
    });

    it('quotas do not overspend under 50 parallel calls across two replicas', async () => {
      const a = new Meter(await open('quota:'), {
        quotas: [{ scope: 'tenant', match: '*', tokens: 1000, requests: 30, window: 'minute' }],
      });
      const b = new Meter(await open('quota:'), {
        quotas: [{ scope: 'tenant', match: '*', tokens: 1000, requests: 30, window: 'minute' }],
      });
      const req = { messages: [{ role: 'user' as const, content: 'x'.repeat(40) }], maxTokens: 40 };
      const decisions = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).reserve({ tenant: 'acme' }, req)),
      );
      // each call reserves 10 prompt + 40 completion tokens: 1000 tokens allow 20, before the 30 requests run out
      expect(decisions.filter((d) => d.allowed)).toHaveLength(20);
      // which budget a refusal names depends on the interleaving (a refused call's request is counted
      // until it is rolled back); that every refusal names one, and nothing was overspent, does not
      const budgets = new Set(decisions.filter((d) => !d.allowed).map((d) => d.budget));
      for (const b of budgets) {
        expect(['tenant acme: 1000 tokens per minute', 'tenant acme: 30 requests per minute']).toContain(b);
      }
      // the counters hold exactly what the 20 admitted calls reserved: nothing leaked from the refused ones
      const counters = await open('quota:');
      const keys = decisions.find((d) => d.allowed)!.reservations.map((r) => r.key);
      const held = Object.fromEntries(
        await Promise.all(keys.map(async (k) => [k.split(':')[3], await counters.get(k)])),
      );
      expect(held).toEqual({ requests: '20', tokens: '1000' });
    });

    it('sets the TTL when a counter is created, and only then', async () => {
      const s = await open();
      expect(await s.incr('window', 5, 400)).toBe(5);
      expect(await s.incr('window', 1, 10_000)).toBe(6);
      await new Promise((r) => setTimeout(r, 600));
      expect(await s.get('window')).toBeUndefined();
    });

    it('keeps replicas consistent for pseudonyms: a second replica restores what the first gave out', async () => {
      process.env.SAI_PII_VAULT_SECRET = 'redis-test-vault-secret-01234';
      const config = loadConfig({ env: {} });
      const replica = async (): Promise<ReturnType<typeof createApp>> => {
        const store = await open('pii:');
        const cfg = {
          ...config,
          pipelines: {
            in: [{ policy: 'redact-pii', options: { operators: { '*': { op: 'pseudonymize' } } } }],
            out: [{ policy: 'restore-pii' }],
          },
        };
        return createApp({
          config: cfg,
          registry: buildRegistry(builtinPolicies, cfg),
          logger: createLogger({ level: 'error' }),
          store,
        });
      };
      const one = await replica();
      const two = await replica();
      const headers = { 'Content-Type': 'application/json', 'X-Tenant-ID': 't', 'X-Session-ID': 's' };
      const redacted = await request(one.app).post('/v1/policies/in').set(headers).send('{"q":"mail ada@example.com"}');
      expect(redacted.text).toBe('{"q":"mail <EMAIL_1>"}');
      const restored = await request(two.app)
        .post('/v1/policies/out')
        .set({ ...headers, 'X-Flow': 'response' })
        .send('{"a":"sent to <EMAIL_1>"}');
      expect(restored.text).toBe('{"a":"sent to ada@example.com"}');
    });

    it('survives a Redis restart during load: calls fail fast while it is down, then work again, nothing crashes', async () => {
      const s = await open('restart:');
      const config = loadConfig({ env: {} });
      const sidecar = createApp({
        config,
        registry: buildRegistry(builtinPolicies, config),
        logger: createLogger({ level: 'error' }),
        store: s as Store,
      });
      expect((await request(sidecar.app).get('/readyz')).status).toBe(200);
      await redis.stop();
      const started = Date.now();
      const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => s.incr(`n${i}`)));
      expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
      expect(Date.now() - started).toBeLessThan(3000);
      const ready = await request(sidecar.app).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: 'not-ready', store: 'down' });
      // policies that do not need the store keep serving
      expect(
        (await request(sidecar.app).post('/v1/policies/echo').set('Content-Type', 'application/json').send('{}'))
          .status,
      ).toBe(200);
      await redis.start();
      await s.ready(10_000);
      expect(await s.incr('after', 1)).toBe(1);
      expect((await request(sidecar.app).get('/readyz')).status).toBe(200);
    });
  },
);

describe('store selection', () => {
  it('is memory by default and redis when SAI_REDIS_URL is set', () => {
    expect(loadConfig({ env: {} }).store.type).toBe('memory');
    const c = loadConfig({ env: { SAI_REDIS_URL: 'redis://127.0.0.1:6399' } });
    expect(c.store).toMatchObject({ type: 'redis', url: 'redis://127.0.0.1:6399', keyPrefix: 'sai:' });
    expect(() => loadConfig({ env: {}, file: undefined, overrides: {} })).not.toThrow();
    expect(new MemoryStore(undefined, 0)).toBeDefined();
  });
});
