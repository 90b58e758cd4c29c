/**
 * @fileoverview A local OpenAI-compatible server for tests and benchmarks: it speaks the real wire
 * format (chat completions as JSON and as SSE streams, usage, error bodies, 429 with retry-after,
 * slow answers) on a loopback port, and plays back a script of behaviours so tests can drive the real
 * `openai` client through every failure mode.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Behaviour =
  | {
      kind: 'reply';
      content: string;
      usage?: { prompt_tokens: number; completion_tokens: number } | null;
      delayMs?: number;
    }
  | { kind: 'status'; status: number; message?: string; retryAfter?: number }
  | { kind: 'hang' }
  | { kind: 'garbage' };

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export class TestLlmServer {
  private server: Server | undefined;
  private script: Behaviour[] = [];
  /** Used when the script is empty. */
  fallback: Behaviour = { kind: 'reply', content: 'ok' };
  /** When set, answers calls the script does not cover, from the request body (examples, demos). */
  responder: ((body: Record<string, unknown>) => Behaviour) | undefined;
  readonly requests: RecordedRequest[] = [];
  /** Called with every request as it arrives (logs, demos). */
  onRequest: ((request: RecordedRequest) => void) | undefined;
  /** Whether this server answers `/embeddings` (as a provider that offers them). */
  embeddings = true;
  /** Whether this server answers `/images/generations`. */
  images = false;
  private readonly hanging = new Set<ServerResponse>();

  /** Queues behaviours for the next calls, in order. */
  enqueue(...behaviours: Behaviour[]): void {
    this.script.push(...behaviours);
  }

  reset(): void {
    this.script = [];
    this.requests.length = 0;
    this.fallback = { kind: 'reply', content: 'ok' };
    this.responder = undefined;
  }

  /** Listens on loopback (`port` 0 picks a free one) and resolves with the base URL. */
  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', resolve);
    });
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: 'invalid JSON', type: 'invalid_request_error' } }));
      return;
    }
    const recorded = { path: req.url ?? '', headers: req.headers, body };
    this.requests.push(recorded);
    this.onRequest?.(recorded);
    if (/\/embeddings(\?|$)/.test(req.url ?? '') && this.embeddings) {
      // a deterministic vector per input (from its characters), with usage as OpenAI reports it
      const inputs = (Array.isArray(body.input) ? body.input : [body.input]).map(String);
      const dims = Number(body.dimensions ?? 8);
      const data = inputs.map((text, index) => ({
        object: 'embedding',
        index,
        embedding: Array.from(
          { length: dims },
          (_, i) => ((text.charCodeAt(i % Math.max(1, text.length)) || 0) % 97) / 97,
        ),
      }));
      const tokens = inputs.reduce((n, t) => n + Math.max(1, Math.ceil(t.length / 4)), 0);
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          object: 'list',
          data,
          model: String(body.model ?? 'test-embedding'),
          usage: { prompt_tokens: tokens, total_tokens: tokens },
        }),
      );
      return;
    }
    if (/\/images\/generations(\?|$)/.test(req.url ?? '') && this.images) {
      const n = Number(body.n ?? 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          created: 1,
          data: Array.from({ length: n }, (_, i) => ({
            b64_json: Buffer.from(`image ${i} of ${String(body.prompt)}`).toString('base64'),
          })),
        }),
      );
      return;
    }
    if (!/\/chat\/completions(\?|$)/.test(req.url ?? '')) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }));
      return;
    }
    const b = this.script.shift() ?? this.responder?.(body) ?? this.fallback;
    if (b.kind === 'hang') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    if (b.kind === 'status') {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (b.retryAfter !== undefined) headers['retry-after'] = String(b.retryAfter);
      res.writeHead(b.status, headers).end(
        JSON.stringify({
          error: {
            message: b.message ?? `status ${b.status}`,
            type: b.status === 429 ? 'rate_limit_error' : 'server_error',
            code: null,
          },
        }),
      );
      return;
    }
    if (b.kind === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id": "x", "choices": [');
      return;
    }
    if (b.delayMs) await new Promise((r) => setTimeout(r, b.delayMs));
    if (res.destroyed) return;
    const model = String(body.model ?? 'test-model');
    const usage = b.usage === null ? undefined : { ...(b.usage ?? { prompt_tokens: 10, completion_tokens: 5 }) };
    const full = usage ? { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } : undefined;
    const id = `chatcmpl-${this.requests.length}`;
    if (body.stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const parts = b.content.match(/.{1,8}/gs) ?? [''];
      for (const part of parts) {
        res.write(
          `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta: { content: part }, finish_reason: null }] })}\n\n`,
        );
      }
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], ...(full ? { usage: full } : {}) })}\n\n`,
      );
      res.end('data: [DONE]\n\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id,
        object: 'chat.completion',
        created: 1,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: b.content }, finish_reason: 'stop' }],
        ...(full ? { usage: full } : {}),
      }),
    );
  }
}
