import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { MemoryStore, PolicyTester } from '@synapse-ai/sdk';
import anomaly, { type Anomaly } from '..';
import { runPolicy } from '../../__tests__/harness';

const fixtures = PolicyTester.loadFixtures(join(__dirname, '../fixtures'));
PolicyTester.run(anomaly, {
  valid: fixtures.valid,
  invalid: [
    ...fixtures.invalid,
    { name: 'bad option', options: { z: 0 }, body: [], error: { code: 'SAI_ERR_INVALID_OPTIONS' } },
  ],
});

const T0 = Date.parse('2026-11-02T10:00:00Z');
const at = (minute: number, second = 0) => T0 + minute * 60_000 + second * 1000;

async function send(store: MemoryStore, events: object[], options: object = {}) {
  return runPolicy<{ anomalies: Anomaly[] }>(anomaly, { events }, { options, store });
}

describe('anomaly', () => {
  it('flags credential stuffing: many failed logins in a minute', async () => {
    const store = new MemoryStore();
    const events = Array.from({ length: 40 }, (_, i) => ({
      consumerKey: 'ck-a',
      timestamp: at(0, i),
      status: i % 8 === 0 ? 200 : 401,
      path: '/login',
    }));
    const r = await send(store, events);
    expect(r.anomalies).toEqual([
      expect.objectContaining({ type: 'credential_stuffing', consumerKey: 'ck-a', minute: '2026-11-02T10:00Z' }),
    ]);
    expect(r.anomalies[0]!.reason).toBe('35 failed logins of 40 requests this minute (88 %)');
    expect(r.notes).toEqual(['anomaly=flagged credential_stuffing']);
    await store.close();
  });

  it('flags scraping: many distinct paths, many not found', async () => {
    const store = new MemoryStore();
    const events = Array.from({ length: 100 }, (_, i) => ({
      consumerKey: 'ck-s',
      timestamp: at(1, i % 60),
      status: i % 2 ? 404 : 200,
      path: `/products/${1000 + i}`,
    }));
    expect((await send(store, events)).anomalies.map((a) => a.type)).toEqual(['scraping']);
    await store.close();
  });

  it('flags a token burst against the consumer’s own baseline, not its steady use', async () => {
    const store = new MemoryStore();
    for (let m = 0; m < 12; m++) {
      const r = await send(store, [
        {
          consumerKey: 'ck-t',
          timestamp: at(m, 5),
          status: 200,
          promptTokens: 900 + (m % 3) * 50,
          completionTokens: 300,
        },
      ]);
      expect(r.anomalies).toEqual([]);
    }
    const burst = await send(store, [
      { consumerKey: 'ck-t', timestamp: at(12, 5), status: 200, promptTokens: 60000, completionTokens: 4000 },
    ]);
    expect(burst.anomalies.map((a) => a.type)).toEqual(['token_burst']);
    expect(burst.anomalies[0]!.reason).toMatch(/^64000 tokens this minute against a usual \d+$/);
    await store.close();
  });

  it('an absolute token cap applies from the first minute', async () => {
    const store = new MemoryStore();
    const r = await send(store, [{ consumerKey: 'new', timestamp: at(0), status: 200, promptTokens: 5000 }], {
      maxTokensPerMinute: 4000,
    });
    expect(r.anomalies.map((a) => a.type)).toEqual(['token_burst']);
    await store.close();
  });

  it('normal mixed traffic raises nothing', async () => {
    const store = new MemoryStore();
    const events = Array.from({ length: 120 }, (_, i) => ({
      consumerKey: 'ck-n',
      timestamp: at(2, i % 60),
      status: i % 30 === 0 ? 401 : 200,
      path: `/orders/${i % 5}`,
    }));
    expect((await send(store, events)).anomalies).toEqual([]);
    await store.close();
  });

  it('a request burst counts from the first minute (absolute limit), before any baseline exists', async () => {
    const store = new MemoryStore();
    const events = Array.from({ length: 1300 }, (_, i) => ({
      consumerKey: 'fresh',
      timestamp: at(0, i % 60),
      status: 200,
      path: '/orders/1',
    }));
    const r = await send(store, events);
    expect(r.anomalies.map((a) => [a.type, a.reason])).toEqual([['request_burst', '1300 requests this minute']]);
    await store.close();
  });

  it('finds attack payloads: SQL injection, script injection, path traversal, oversized and repeated fields', async () => {
    const store = new MemoryStore();
    const r = await send(store, [
      { consumerKey: 'atk', timestamp: at(0), status: 200, path: "/search?q=shoes' OR '1'='1" },
      {
        consumerKey: 'atk',
        timestamp: at(0),
        status: 200,
        path: '/p',
        payload: { comment: '<img src=x onerror=alert(1)>' },
      },
      { consumerKey: 'atk', timestamp: at(0), status: 404, path: '/files/..%2f..%2fetc%2fpasswd' },
      { consumerKey: 'big', timestamp: at(0), status: 200, payload: { note: 'x'.repeat(20_000) } },
      {
        consumerKey: 'rep',
        timestamp: at(0),
        status: 200,
        path: `/q?${Array.from({ length: 1500 }, () => 'id=1').join('&')}`,
      },
      { consumerKey: 'sql2', timestamp: at(0), status: 200, payload: 'id=1 UNION ALL SELECT password FROM users' },
    ]);
    const byConsumer = Object.fromEntries(
      r.anomalies.filter((a) => a.type === 'payload_attack').map((a) => [a.consumerKey, a.reason]),
    );
    expect(byConsumer).toEqual({
      atk: '3 requests with SQL injection, script injection, path traversal',
      big: '1 request with oversized field',
      rep: '1 request with repeated fields',
      sql2: '1 request with SQL injection',
    });
    await store.close();
  });

  it('leaves ordinary payloads alone', async () => {
    const store = new MemoryStore();
    const ordinary = [
      'Please select a size and union of two sets',
      "O'Brien and O'Neil ordered 2 items",
      'see ../README for details',
      'a <b>bold</b> remark',
      'drop me a line; table for two at 8',
    ];
    const r = await send(
      store,
      ordinary.map((text, i) => ({
        consumerKey: 'ok',
        timestamp: at(0, i),
        status: 200,
        path: '/notes',
        payload: { text },
      })),
    );
    expect(r.anomalies).toEqual([]);
    await store.close();
  });

  describe('alerts', () => {
    let hook: Server;
    let hookUrl = '';
    const received: { text: string; anomalies: Anomaly[] }[] = [];
    beforeAll(async () => {
      hook = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          received.push(JSON.parse(body) as { text: string; anomalies: Anomaly[] });
          res.end('ok');
        });
      });
      await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
      hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts`;
    });
    afterAll(() => hook.close());

    const stuffing = (minute: number) =>
      Array.from({ length: 40 }, (_, i) => ({
        consumerKey: 'bot',
        timestamp: at(minute, i),
        status: 401,
        path: '/login',
      }));

    it('reach a webhook once per incident, in the background', async () => {
      const store = new MemoryStore();
      const first = await send(store, stuffing(0), { webhookUrl: hookUrl });
      expect(first.notes).toEqual(['anomaly=flagged credential_stuffing, alert: queued (1)']);
      const again = await send(store, stuffing(1), { webhookUrl: hookUrl });
      expect(again.notes).toEqual(['anomaly=flagged credential_stuffing, alert: already sent for this incident']);
      for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(received).toHaveLength(1);
      expect(received[0]!.text).toMatch(/^Anomaly alert: credential stuffing by bot at 2026-11-02T10:00Z/);
      expect(received[0]!.anomalies.map((a) => a.type)).toEqual(['credential_stuffing']);
      // a later incident, after the window, alerts again
      await send(store, stuffing(30), { webhookUrl: hookUrl, alertWindowMinutes: 15 });
      await store.close();
    });

    it('can block chosen kinds inline (403)', async () => {
      const store = new MemoryStore();
      await expect(
        send(store, [{ consumerKey: 'atk', status: 200, path: '/x?q=1 UNION SELECT 1' }], {
          blockOn: ['payload_attack'],
        }),
      ).rejects.toMatchObject({ code: 'SAI_ERR_POLICY_BLOCKED', status: 403 });
      // other kinds still report
      const r = await send(store, [{ consumerKey: 'atk2', status: 200, path: '/x?q=1 UNION SELECT 1' }], {
        blockOn: ['credential_stuffing'],
      });
      expect(r.anomalies.map((a) => a.type)).toEqual(['payload_attack']);
      await store.close();
    });
  });
});
