import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { definePolicy, proceed, silentLogger } from '@synapse-ai/sdk';
import { builtinPolicies } from '@synapse-ai/policies';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logger';
import { startSidecar } from '../server';
import { TOKEN } from './helpers';

function post(
  url: string,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}${path}`,
      { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('startSidecar', () => {
  it('serves on loopback without a token', async () => {
    const running = await startSidecar({ config: loadConfig({ env: { SAI_PORT: '0' } }), logger: silentLogger });
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await post(running.url, '/v1/policies/echo', '{"a":1.0}');
      expect([res.status, res.body]).toEqual([200, '{"a":1.0}']);
    } finally {
      await running.close();
    }
  });

  it('refuses to bind beyond loopback without a token, saying how to fix it', async () => {
    const config = loadConfig({ env: { SAI_PORT: '0', SAI_HOST: '0.0.0.0' } });
    const err = await startSidecar({ config, logger: silentLogger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(
      /"0\.0\.0\.0", which is reachable from other machines, and no auth token is configured\. Fix: set SAI_AUTH_TOKENS/,
    );
  });

  it('binds beyond loopback with a token and enforces it (tested over loopback)', async () => {
    const config = loadConfig({ env: { SAI_PORT: '0', SAI_HOST: '0.0.0.0', SAI_AUTH_TOKENS: TOKEN } });
    const running = await startSidecar({ config, logger: silentLogger });
    try {
      const local = `http://127.0.0.1:${running.port}`;
      expect((await post(local, '/v1/policies/echo', '{}')).status).toBe(401);
      expect((await post(local, '/v1/policies/echo', '{}', { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    } finally {
      await running.close();
    }
  });

  it('explains a port already in use', async () => {
    const first = await startSidecar({ config: loadConfig({ env: { SAI_PORT: '0' } }), logger: silentLogger });
    try {
      const err = await startSidecar({
        config: loadConfig({ env: { SAI_PORT: String(first.port) } }),
        logger: silentLogger,
      }).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(
        /port \d+ is already in use\. Fix: stop the other process or choose another port/,
      );
    } finally {
      await first.close();
    }
  });

  it('shuts down gracefully: in-flight requests finish, new connections are refused', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const slow = definePolicy({
      meta: {
        name: 'slow',
        version: '1.0.0',
        description: 'waits for the test',
        flows: ['request'],
        stage: 'observe',
        priority: 0,
      },
      handler: async () => {
        await gate;
        return proceed({ json: { done: true } });
      },
    });
    const stream = new PassThrough();
    const log: string[] = [];
    stream.on('data', (c: Buffer) => log.push(c.toString()));
    const running = await startSidecar({
      config: loadConfig({ env: { SAI_PORT: '0' } }),
      policies: [...builtinPolicies, slow],
      logger: createLogger({ level: 'info', stream }),
    });
    const inFlight = post(running.url, '/v1/policies/slow', '{}');
    await new Promise((r) => setTimeout(r, 50));
    let closed = false;
    const closing = running.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(false);
    await expect(post(running.url, '/v1/policies/echo', '{}')).rejects.toThrow(/ECONNREFUSED/);
    release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"done":true}');
    expect(res.headers.connection).toBe('close');
    await closing;
    expect(closed).toBe(true);
    expect(log.join('')).toMatch(/shutting down[\s\S]*stopped/);
  });
});

describe('requests the HTTP parser refuses', () => {
  /** Sends raw bytes and reads the whole answer until the server closes the connection. */
  const raw = (port: number, bytes: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
      let out = '';
      socket.on('data', (d: Buffer) => (out += d.toString()));
      socket.on('end', () => resolve(out));
      socket.on('error', reject);
    });

  it.each([
    ['a malformed Content-Length', 400, 'POST /v1/policies/echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'],
    ['oversize headers', 431, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
    [
      'two Content-Lengths',
      400,
      'POST /v1/policies/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
    ],
  ])('%s: %i with a problem body, then the connection closes', async (_, status, bytes) => {
    const running = await startSidecar({
      config: loadConfig({ env: {}, overrides: { port: 0 } }),
      logger: createLogger({ level: 'error', stream: new PassThrough().resume() }),
    });
    try {
      const answer = await raw(running.port, bytes);
      expect(answer.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
      expect(answer).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/);
      const problem = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
      expect(problem).toMatchObject({ status, code: 'SAI_ERR_BAD_REQUEST' });
    } finally {
      await running.close();
    }
  });
});

it('cuts a body trickled in past the request deadline with 408 and a problem body', async () => {
  const running = await startSidecar({
    config: loadConfig({ env: { SAI_REQUEST_TIMEOUT_MS: '500' }, overrides: { port: 0 } }),
    logger: createLogger({ level: 'error', stream: new PassThrough().resume() }),
  });
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(running.port, '127.0.0.1', () => {
        socket.write(
          'POST /v1/policies/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
        );
        const drip = setInterval(() => socket.writable && socket.write(' '), 100);
        socket.on('close', () => clearInterval(drip));
      });
      let out = '';
      socket.on('data', (d: Buffer) => (out += d.toString()));
      socket.on('close', () => resolve(out));
      socket.on('error', reject);
    });
    expect(answer.startsWith('HTTP/1.1 408 ')).toBe(true);
    expect(answer).toMatch(/"code":"SAI_ERR_BAD_REQUEST"/);
  } finally {
    await running.close();
  }
});

it('refuses a declared oversize body at once, and nothing fires later (the process keeps serving)', async () => {
  const running = await startSidecar({
    config: loadConfig({ env: { SAI_REQUEST_TIMEOUT_MS: '200', SAI_BODY_LIMIT: '1kb' }, overrides: { port: 0 } }),
    logger: createLogger({ level: 'error', stream: new PassThrough().resume() }),
  });
  try {
    const big = await post(running.url, '/v1/policies/echo', 'x'.repeat(2048));
    expect(big.status).toBe(413);
    await new Promise((r) => setTimeout(r, 400)); // past the request deadline of that call
    expect((await post(running.url, '/v1/policies/echo', '{"ok":1}')).status).toBe(200);
  } finally {
    await running.close();
  }
});
