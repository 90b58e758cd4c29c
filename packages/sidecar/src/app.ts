/**
 * @fileoverview The HTTP layer: auth → limits → parse → policy or pipeline → serialize. Routing is an
 * express Router served straight from node:http. The express() application object is left out on
 * purpose: it swaps the prototypes of every request and response, which cost three quarters of the
 * sidecar's throughput in `npm run bench`. The policy runtime is the SDK's transport-agnostic
 * `PolicyChain`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router } from 'express';
import {
  contextFromHeaders,
  correlationIdFrom,
  GATEWAY_HEADERS,
  soapVersion,
  wantsGatewayContract,
  lazyChild,
  parsePayload,
  plainJson,
  SaiError,
  serializePayload,
  toProblem,
  toSaiError,
  type GatewayContext,
  type LlmHooks,
  type Logger,
  type Payload,
  type Policy,
  type Store,
} from '@synapse-ai/sdk';
import type { AuditLog } from './audit';
import { TokenAuth } from './auth';
import { admitCall, llmHooksFor, type LlmServices } from './llmHooks';
import type { Assistant } from './assistant';
import { serveEmbeddings, serveImages } from './products';
import type { UsageDimension } from '@synapse-ai/llm';
import { ConfigError, type SidecarConfig } from './config';
import { collectRegistry, type Registry } from './registry';
import { SidecarMetrics, type Outcome } from './metrics';

export type { Registry } from './registry';

/**
 * Mounts every policy with its configured options, composes the pipelines and runs each configured
 * policy's start-up check (patterns compile, secrets are in `env`).
 * @throws {ConfigError} for unknown policies, bad options, failed checks or name clashes, all at once.
 */
export function buildRegistry(
  policies: readonly Policy[],
  config: Readonly<Pick<SidecarConfig, 'policies' | 'pipelines'>>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Registry {
  const { registry, problems } = collectRegistry(policies, config, env);
  if (problems.length > 0 || !registry) throw new ConfigError('policies and pipelines', problems);
  return registry;
}

export interface AppServices {
  config: Readonly<SidecarConfig>;
  /** When set, every policy call is recorded (who, which policy, decision; never bodies). */
  audit?: AuditLog;
  registry: Registry;
  logger: Logger;
  store: Store;
  llm?: LlmHooks;
  /** The LLM layer with metering and quotas (per-request hooks are built from it). */
  llmServices?: LlmServices;
  metrics?: SidecarMetrics;
  /** The developer-portal assistant, when the configuration names documentation. */
  assistant?: Assistant;
}

/** A request as the router hands it over: node's, plus the route parameters. */
type Req = IncomingMessage & { params: Record<string, string>; originalUrl?: string };
type Res = ServerResponse;
type Next = (err?: unknown) => void;
type Handler = (req: Req, res: Res, next: Next) => void | Promise<void>;

export interface SidecarApp {
  /** The request listener (for `http.createServer`, or supertest). */
  app: (req: IncomingMessage, res: ServerResponse) => void;
  metrics: SidecarMetrics;
  /** Marks the app as draining: `/readyz` answers 503 and responses close their connections. */
  drain(): void;
  readonly draining: boolean;
  /**
   * Resolves when no policy call and no model call of this app is running any more (true), or after
   * `ms` (false). Shutdown waits for it before closing the audit log and the store, so work that
   * outlives its response (a model call past the request deadline) still writes its records.
   */
  whenIdle(ms: number): Promise<boolean>;
}

function sendJson(res: Res, status: number, value: unknown, contentType = 'application/json; charset=utf-8'): void {
  const body = JSON.stringify(value);
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/**
 * Problems go out as `application/problem+json`, or as `application/json` when the caller accepts
 * only that (RFC 9457 §3).
 */
function problemContentType(req: IncomingMessage | undefined): string {
  const accept = req?.headers.accept;
  if (accept !== undefined && !accept.includes('problem+json') && /\bapplication\/json\b/i.test(accept)) {
    return 'application/json; charset=utf-8';
  }
  return 'application/problem+json';
}

const requestOf = (res: Res): IncomingMessage | undefined => (res as { req?: IncomingMessage }).req;

/**
 * Gateway contract (`X-Sai-Contract: gateway-1`, see `@synapse-ai/sdk` gateway.ts): every answer is
 * HTTP 200 with the real status in `X-Sai-Status`, so that Axis2's blocking sender never faults on
 * a decision. Returns the status to write.
 */
function gatewayStatus(res: Res, status: number): number {
  res.setHeader(GATEWAY_HEADERS.status, String(status));
  return 200;
}

function sendProblem(res: Res, err: SaiError, requestId: string, instance?: string): void {
  const req = requestOf(res);
  if (req !== undefined && wantsGatewayContract(req.headers)) {
    res.setHeader(GATEWAY_HEADERS.body, 'json');
    res.setHeader(GATEWAY_HEADERS.contentType, 'application/json');
    sendJson(res, gatewayStatus(res, err.status), toProblem(err, requestId, instance));
    return;
  }
  sendJson(res, err.status, toProblem(err, requestId, instance), problemContentType(req));
}

/** What a gateway caller is told about a changed body: how it travels and the media type to set. */
function gatewayBody(payload: Payload, contentType: string | undefined): { kind: string; mediaType: string } {
  switch (payload.kind) {
    case 'json':
      return { kind: 'json', mediaType: 'application/json' };
    case 'xml': {
      const soap = soapVersion(payload.xml.text);
      if (soap) return { kind: 'soap', mediaType: soap === '1.2' ? 'application/soap+xml' : 'text/xml' };
      const type = contentType?.split(';')[0]!.trim().toLowerCase();
      return { kind: 'xml', mediaType: type === 'text/xml' ? 'text/xml' : 'application/xml' };
    }
    case 'text':
    case 'empty':
      return { kind: 'text', mediaType: 'text/plain' };
  }
}

/** The request id the first route step put on the response. */
const requestIdOf = (res: Res): string => (res.getHeader('X-Correlation-ID') as string | undefined) ?? randomUUID();

const POLICY_PREFIX = '/v1/policies/';

/** The name in `/v1/policies/<name>` (an optional trailing slash and query allowed) when it needs no decoding. */
function plainPolicyName(url: string | undefined): string | undefined {
  if (url === undefined || !url.startsWith(POLICY_PREFIX)) return undefined;
  const q = url.indexOf('?');
  let end = q === -1 ? url.length : q;
  if (end > POLICY_PREFIX.length + 1 && url.charCodeAt(end - 1) === 0x2f) end--;
  if (end === POLICY_PREFIX.length) return undefined;
  for (let i = POLICY_PREFIX.length; i < end; i++) {
    const c = url.charCodeAt(i);
    const plain =
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x2d ||
      c === 0x5f ||
      c === 0x2e;
    if (!plain) return undefined;
  }
  return url.slice(POLICY_PREFIX.length, end);
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Reads the whole body once, refusing more than `limit` bytes. */
function readBody(req: IncomingMessage, limit: number, deadlineMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(new SaiError('SAI_ERR_BAD_REQUEST', { message: 'The request body could not be read.', cause: e }));
    };
    const onAborted = (): void => {
      cleanup();
      reject(
        new SaiError('SAI_ERR_BAD_REQUEST', {
          message: 'The client closed the connection before sending the whole body.',
        }),
      );
    };
    // a body trickled in byte by byte is bounded by the request deadline, not by Node's own timers
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new SaiError('SAI_ERR_BAD_REQUEST', {
          status: 408,
          message: `The request body did not arrive within ${deadlineMs} ms.`,
        }),
      );
    }, deadlineMs);
    timer.unref();
    const cleanup = (): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

function tooLarge(limit: number): SaiError {
  return new SaiError('SAI_ERR_PAYLOAD_TOO_LARGE', {
    message: `The body is larger than the limit of ${limit} bytes.`,
    extensions: { limit },
  });
}

/**
 * The message a chain runs on. A class, not an object literal with a getter: with the literal, the
 * sidecar promoted a steady 1.2 MB per young-generation collection at 1,000 requests/s of 16 KiB
 * (each request's body and objects kept alive until a full collection, 10–15 ms pauses to clear
 * them), most likely because V8 pretenured the literal's allocation site.
 */
class IncomingPolicyMessage {
  private built: Record<string, string> | undefined;
  constructor(
    readonly payload: Payload,
    readonly contentType: string | undefined,
    readonly context: GatewayContext,
    private readonly rawHeaders: IncomingMessage['headers'],
  ) {}
  /** Built on first use: most policies never read raw headers. */
  get headers(): Record<string, string> {
    return (this.built ??= policyHeaders(this.rawHeaders));
  }
}

/** Request headers as policies see them: single values, never the Authorization header. */
function policyHeaders(all: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) {
    if (k !== 'authorization' && k !== 'proxy-authorization' && k !== 'cookie' && typeof v === 'string') out[k] = v;
  }
  return out;
}

function outcomeOf(status: number, decision?: 'allow' | 'modified'): Outcome {
  if (decision) return decision;
  if (status >= 500) return 'server_error';
  return status === 403 || status === 429 || status === 422 ? 'block' : 'client_error';
}

function serverTiming(timings: readonly { name: string; ms: number }[], totalMs: number): string {
  let header = '';
  for (const t of timings) header += `${t.name};dur=${t.ms.toFixed(3)}, `;
  return `${header}total;dur=${totalMs.toFixed(3)}`;
}

/** Builds the request listener. It does not listen: tests drive it with supertest, `startSidecar` serves it. */
export function createApp(services: AppServices): SidecarApp {
  const { config, registry, logger, store } = services;
  const metrics = services.metrics ?? new SidecarMetrics();
  const auth = new TokenAuth(config.auth.tokens);
  const limit = config.server.bodyLimit;
  const logRequests = config.logging.requests;
  let draining = false;
  // policy calls and model calls running now (a model call can outlive its request's response)
  let active = 0;
  const idleWaiters: (() => void)[] = [];
  const track = async <T>(work: Promise<T>): Promise<T> => {
    active++;
    try {
      return await work;
    } finally {
      if (--active === 0) for (const wake of idleWaiters.splice(0)) wake();
    }
  };
  const tracked = (hooks: LlmHooks): LlmHooks => ({
    available: hooks.available,
    complete: (request, signal) => track(hooks.complete(request, signal)),
  });

  const router = Router({ caseSensitive: true, strict: false });
  const route = router as unknown as Record<'get' | 'post' | 'all' | 'use', (...args: unknown[]) => void>;

  /** Correlation id on every response; the connection closes while draining. */
  const stamp = (req: IncomingMessage, res: Res): void => {
    res.setHeader('X-Correlation-ID', correlationIdFrom(req.headers, randomUUID));
    if (draining) res.setHeader('Connection', 'close');
  };
  route.use(((req, res, next) => {
    stamp(req, res);
    next();
  }) satisfies Handler);

  const requireAuth: Handler = (req, res, next) => {
    if (auth.check(req.headers.authorization)) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', 'Bearer realm="synapse-ai"');
    res.setHeader('X-Policy-Decision', 'block');
    sendProblem(
      res,
      new SaiError('SAI_ERR_UNAUTHORIZED', {
        message: req.headers.authorization
          ? 'The bearer token is not valid for this sidecar.'
          : 'This sidecar requires "Authorization: Bearer <token>".',
      }),
      requestIdOf(res),
    );
  };

  /** POST /v1/policies/:name, the hot route (also taken without the router: see `app`). */
  const callPolicy = async (req: IncomingMessage, res: Res, name: string): Promise<void> => {
    const started = performance.now();
    const requestId = requestIdOf(res);
    const chain = registry.chains.get(name);
    const label = chain ? name : '_unknown';
    res.setHeader('X-Policy-Decision', 'block');
    let who: Record<string, unknown> = {};
    const audit = (
      decision: string,
      status: number,
      ms: number,
      code?: string,
      aiDecisions?: readonly object[],
    ): void => {
      services.audit?.append({
        requestId,
        policy: label,
        decision,
        status,
        ...(code ? { code } : {}),
        ms: Number(ms.toFixed(3)),
        ...who,
        // what an AI policy decided: input hash, decision, score, class or tier, model, confidence
        ...(aiDecisions ? { aiDecisions } : {}),
      });
    };
    const fail = (err: SaiError, timings: readonly { name: string; ms: number }[] = []): void => {
      const total = performance.now() - started;
      res.setHeader('Server-Timing', serverTiming(timings, total));
      if (err.status === 413 || err.status === 408 || draining) res.setHeader('Connection', 'close');
      const resetAt = err.extensions?.resetAt;
      if (err.status === 429 && typeof resetAt === 'string') {
        res.setHeader('Retry-After', String(Math.max(1, Math.ceil((Date.parse(resetAt) - Date.now()) / 1000))));
      }
      sendProblem(res, err, requestId, pathOf(req));
      metrics.observe(label, outcomeOf(err.status), total / 1000);
      audit('block', err.status, total, err.code);
      if (err.status >= 500) {
        logger.error('policy call failed', { requestId, policy: name, code: err.code, ...(err.logDetail ?? {}) });
      } else if (logRequests !== 'none') {
        logger.info('policy call refused', {
          requestId,
          policy: label,
          status: err.status,
          code: err.code,
          ...(err.logDetail ?? {}),
        });
      }
    };
    try {
      if (services.audit && !services.audit.accepting) {
        // fail closed: work that cannot be audited is not done
        throw new SaiError('SAI_ERR_UNAVAILABLE', {
          message: 'The audit log cannot be written, so audited requests are refused until it can.',
          logDetail: { reason: `audit log write failed (${services.audit.failure ?? 'error'})` },
        });
      }
      if (!chain) {
        throw new SaiError('SAI_ERR_POLICY_NOT_FOUND', {
          message: `No policy or pipeline is named '${name.slice(0, 64)}'. GET /v1/policies lists them.`,
        });
      }
      const context = contextFromHeaders(req.headers, () => requestId);
      if (services.audit) {
        who = {
          tenant: context.tenantId,
          application: context.consumerKey,
          userRole: context.userRole,
          api: context.apiName,
          apiVersion: context.apiVersion,
          flow: context.flow,
        };
      }
      // request budgets count every call through a pipeline, not only model calls
      const admitted = services.llmServices?.meter.limitsRequests === true;
      if (admitted) {
        const admission = await admitCall(services.llmServices!, context, logger);
        if (admission?.shadow) who = { ...who, quotaShadow: admission.budget };
      }
      const raw = await readBody(
        req,
        limit,
        Math.max(0, config.server.requestTimeoutMs - (performance.now() - started)),
      );
      const payload = parsePayload(raw, req.headers['content-type'], { maxDepth: config.server.maxDepth });
      const message = new IncomingPolicyMessage(
        payload,
        payload.kind === 'empty' ? undefined : req.headers['content-type'],
        context,
        req.headers,
      );
      const outcome = await chain.execute(message, {
        logger: lazyChild(logger, { requestId }),
        store,
        ...(services.llmServices
          ? { llm: tracked(llmHooksFor(services.llmServices, context, () => name, admitted)) }
          : services.llm
            ? { llm: services.llm }
            : {}),
        timeoutMs: config.server.requestTimeoutMs,
      });
      if (outcome.kind === 'block') {
        fail(outcome.error, outcome.timings);
        return;
      }
      // an untouched payload goes back as the bytes that came in (whitespace and all), as WSO2 passes
      // an unbuilt message through; only a changed payload is serialized
      const gateway = wantsGatewayContract(req.headers);
      let body: string | Buffer;
      if (gateway && outcome.decision === 'allow') {
        body = ''; // the gateway keeps its own message
        res.setHeader(GATEWAY_HEADERS.body, 'none');
      } else {
        body = outcome.payload === payload ? raw : serializePayload(outcome.payload);
      }
      const total = performance.now() - started;
      for (const [k, v] of Object.entries(outcome.headers)) res.setHeader(k, v);
      res.setHeader(
        'X-Policy-Decision',
        outcome.notes.length === 0 ? outcome.decision : `${outcome.decision}; ${outcome.notes.join('; ')}`,
      );
      res.setHeader('Server-Timing', serverTiming(outcome.timings, total));
      if (gateway) {
        gatewayStatus(res, 200);
        if (outcome.decision !== 'allow') {
          const g = gatewayBody(outcome.payload, outcome.contentType);
          res.setHeader(GATEWAY_HEADERS.body, g.kind);
          res.setHeader(GATEWAY_HEADERS.contentType, g.mediaType);
          res.setHeader(
            'Content-Type',
            g.kind === 'json' ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
          );
        }
      } else if (outcome.contentType !== undefined) res.setHeader('Content-Type', outcome.contentType);
      res.setHeader('Content-Length', typeof body === 'string' ? Buffer.byteLength(body) : body.length);
      if (draining) res.setHeader('Connection', 'close');
      res.statusCode = 200;
      res.end(body);
      metrics.observe(label, outcome.decision, total / 1000);
      audit(outcome.decision, 200, total, undefined, outcome.aiDecisions);
      if (logRequests === 'all') {
        logger.info('policy call', {
          requestId,
          policy: name,
          decision: outcome.decision,
          ms: Number(total.toFixed(3)),
        });
      }
    } catch (err) {
      fail(toSaiError(err));
    }
  };
  route.post('/v1/policies/:name', requireAuth, ((req, res) =>
    track(callPolicy(req, res, req.params.name ?? ''))) satisfies Handler);

  // AI API products: OpenAI-format endpoints (chat through a pipeline; embeddings and images through a chain)
  const products = config.products ?? {};
  route.get('/v1/products', requireAuth, ((_req, res) =>
    sendJson(res, 200, {
      products: Object.entries(products).map(([name, p]) => ({
        name,
        ...(p.description ? { description: p.description } : {}),
        endpoints: [
          ...(p.chat ? [`/v1/products/${name}/chat/completions`] : []),
          ...(p.embeddings ? [`/v1/products/${name}/embeddings`] : []),
          ...(p.images ? [`/v1/products/${name}/images/generations`] : []),
        ],
      })),
    })) satisfies Handler);
  const productOf = (name: string | undefined, endpoint: 'chat' | 'embeddings' | 'images') => {
    const p = name === undefined ? undefined : products[name];
    if (!p)
      throw new SaiError('SAI_ERR_NOT_FOUND', {
        message: `No product is named '${(name ?? '').slice(0, 64)}'. GET /v1/products lists them.`,
      });
    if (!p[endpoint])
      throw new SaiError('SAI_ERR_NOT_FOUND', { message: `The product ${name} offers no ${endpoint} endpoint.` });
    return p;
  };
  route.post('/v1/products/:name/chat/completions', requireAuth, ((req, res) => {
    let pipeline: string;
    try {
      pipeline = productOf(req.params.name, 'chat').chat!.pipeline;
    } catch (err) {
      return sendProblem(res, toSaiError(err), requestIdOf(res), pathOf(req));
    }
    return track(callPolicy(req, res, pipeline));
  }) satisfies Handler);
  const modelRoute =
    (endpoint: 'embeddings' | 'images'): Handler =>
    (req, res) =>
      track(
        (async () => {
          const requestId = requestIdOf(res);
          try {
            const product = productOf(req.params.name, endpoint);
            if (!services.llmServices)
              throw new SaiError('SAI_ERR_LLM_NOT_CONFIGURED', {
                message: 'No LLM provider is configured, so this product cannot answer.',
              });
            const context = contextFromHeaders(req.headers, () => requestId);
            const raw = await readBody(req, limit, config.server.requestTimeoutMs);
            const payload = parsePayload(raw, req.headers['content-type'], { maxDepth: config.server.maxDepth });
            if (payload.kind !== 'json')
              throw new SaiError('SAI_ERR_BAD_REQUEST', {
                message: 'Send a JSON body (Content-Type: application/json).',
              });
            const body = plainJson(payload);
            const signal = AbortSignal.timeout(config.server.requestTimeoutMs);
            const answer =
              endpoint === 'embeddings'
                ? await serveEmbeddings(
                    services.llmServices,
                    context,
                    req.params.name!,
                    product.embeddings!,
                    body,
                    signal,
                  )
                : await serveImages(services.llmServices, context, req.params.name!, product.images!, body, signal);
            sendJson(res, 200, answer);
          } catch (err) {
            const e = toSaiError(err);
            const resetAt = e.extensions?.resetAt;
            if (e.status === 429 && typeof resetAt === 'string')
              res.setHeader('Retry-After', String(Math.max(1, Math.ceil((Date.parse(resetAt) - Date.now()) / 1000))));
            if (e.status >= 500)
              logger.error('product call failed', { requestId, code: e.code, ...(e.logDetail ?? {}) });
            sendProblem(res, e, requestId, pathOf(req));
          }
        })(),
      );
  route.post('/v1/products/:name/embeddings', requireAuth, modelRoute('embeddings'));
  route.post('/v1/products/:name/images/generations', requireAuth, modelRoute('images'));

  route.post('/v1/assistant/ask', requireAuth, ((req, res) =>
    track(
      (async () => {
        const requestId = requestIdOf(res);
        try {
          if (!services.assistant)
            throw new SaiError('SAI_ERR_NOT_FOUND', {
              message:
                'No assistant is configured: list the documentation under assistant.docs in the sidecar configuration.',
            });
          const raw = await readBody(req, limit, config.server.requestTimeoutMs);
          const payload = parsePayload(raw, req.headers['content-type'], { maxDepth: config.server.maxDepth });
          if (payload.kind !== 'json')
            throw new SaiError('SAI_ERR_BAD_REQUEST', { message: 'Send {"question": "…"} as application/json.' });
          const context = contextFromHeaders(req.headers, () => requestId);
          const hooks = services.llmServices
            ? llmHooksFor(services.llmServices, context, () => 'assistant')
            : undefined;
          const body = plainJson(payload) as { question?: unknown } | null;
          const answer = await services.assistant.ask(
            body?.question,
            hooks,
            AbortSignal.timeout(config.server.requestTimeoutMs),
          );
          sendJson(res, 200, {
            answered: answer.answered,
            answer: answer.text,
            citations: answer.citations,
            answeredBy: answer.answeredBy,
          });
        } catch (err) {
          sendProblem(res, toSaiError(err), requestId, pathOf(req));
        }
      })(),
    )) satisfies Handler);

  route.get('/v1/usage', requireAuth, (async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://sidecar');
    const q = url.searchParams;
    const tenant = q.get('tenant');
    const day = q.get('day') ?? undefined;
    // a calendar day that exists: 2026-02-30 and 2026-13-99 parse to another day or to nothing
    const realDay = (d: string): boolean => {
      const t = Date.parse(`${d}T00:00:00Z`);
      return /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d;
    };
    const from = q.get('from') ?? undefined;
    const to = q.get('to') ?? undefined;
    const groupBy = (q.get('groupBy') ?? '').split(',').filter((g) => g !== '');
    const breakdown =
      from !== undefined ||
      to !== undefined ||
      groupBy.length > 0 ||
      ['application', 'api', 'model', 'tier'].some((k) => q.has(k));
    const problem = (message: string): void =>
      sendProblem(res, new SaiError('SAI_ERR_BAD_REQUEST', { message }), requestIdOf(res));
    if (!tenant || (day !== undefined && !realDay(day))) {
      problem(
        'Give ?tenant=<tenant id>, and optionally &day=YYYY-MM-DD (UTC; default today), or &from=…&to=… with &groupBy=application,api,model,day,tier.',
      );
      return;
    }
    if (breakdown) {
      const today = new Date().toISOString().slice(0, 10);
      const start = from ?? day ?? today;
      const end = to ?? day ?? start;
      const bad = [start, end].find((d) => !realDay(d));
      if (bad !== undefined) return problem(`${bad} is not a day: give from and to as YYYY-MM-DD (UTC).`);
      const span = (Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / 86_400_000;
      if (span < 0) return problem(`from (${start}) is after to (${end}).`);
      if (span > 366) return problem('Ask for at most 367 days at a time.');
      const unknown = groupBy.find((g) => !['application', 'api', 'model', 'day', 'tier'].includes(g));
      if (unknown !== undefined)
        return problem(`groupBy ${JSON.stringify(unknown)} is not one of application, api, model, day, tier.`);
      if (!services.llmServices)
        return void sendProblem(
          res,
          new SaiError('SAI_ERR_LLM_NOT_CONFIGURED', {
            message: 'No LLM provider is configured, so no usage is metered.',
          }),
          requestIdOf(res),
        );
      const rows = await services.llmServices.meter.breakdown(tenant, {
        from: start,
        to: end,
        groupBy: groupBy as UsageDimension[],
        ...(q.has('application') ? { application: q.get('application')! } : {}),
        ...(q.has('api') ? { api: q.get('api')! } : {}),
        ...(q.has('model') ? { model: q.get('model')! } : {}),
        ...(q.has('tier') ? { tier: q.get('tier')! } : {}),
      });
      sendJson(res, 200, { tenant, from: start, to: end, groupBy, rows });
      return;
    }
    if (!services.llmServices) {
      sendProblem(
        res,
        new SaiError('SAI_ERR_LLM_NOT_CONFIGURED', {
          message: 'No LLM provider is configured, so no usage is metered.',
        }),
        requestIdOf(res),
      );
      return;
    }
    sendJson(res, 200, await services.llmServices.meter.usage(tenant, day));
  }) satisfies Handler);

  route.get('/healthz', ((_req, res) => sendJson(res, 200, { status: 'ok' })) satisfies Handler);

  route.get('/readyz', (async (_req, res) => {
    const storeOk = await store.ping().catch(() => false);
    const auditOk = services.audit === undefined || services.audit.accepting;
    const ready = !draining && storeOk && auditOk;
    sendJson(res, ready ? 200 : 503, {
      status: ready ? 'ready' : draining ? 'draining' : 'not-ready',
      store: storeOk ? 'ok' : 'down',
      ...(services.audit
        ? { audit: services.audit.state === 'ok' ? 'ok' : `failing (${services.audit.failure})` }
        : {}),
    });
  }) satisfies Handler);

  route.get('/metrics', requireAuth, (async (_req, res) => {
    res.setHeader('Content-Type', metrics.contentType);
    res.end(await metrics.render());
  }) satisfies Handler);

  const catalogue = JSON.stringify({
    policies: registry.policies.map((p) => p.describe()),
    pipelines: [...registry.pipelines].map(([name, chain]) => ({
      name,
      route: `/v1/policies/${name}`,
      flows: chain.flows,
      steps: chain.steps.map((s) => ({ policy: s.policy.meta.name, version: s.policy.meta.version })),
    })),
  });
  route.get('/v1/policies', requireAuth, ((_req, res) => {
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(catalogue);
  }) satisfies Handler);

  route.all('/v1/policies/:name', ((req, res) => {
    res.setHeader('Allow', 'POST');
    sendProblem(
      res,
      new SaiError('SAI_ERR_METHOD_NOT_ALLOWED', { message: `Use POST to call a policy (got ${req.method}).` }),
      requestIdOf(res),
    );
  }) satisfies Handler);
  route.all('/v1/assistant/ask', ((req, res) => {
    res.setHeader('Allow', 'POST');
    sendProblem(
      res,
      new SaiError('SAI_ERR_METHOD_NOT_ALLOWED', {
        message: `Use POST with {"question": "…"} to ask the assistant (got ${req.method}).`,
      }),
      requestIdOf(res),
    );
  }) satisfies Handler);
  route.all('/v1/policies', ((req, res) => {
    res.setHeader('Allow', 'GET');
    sendProblem(
      res,
      new SaiError('SAI_ERR_METHOD_NOT_ALLOWED', { message: `Use GET for the catalogue (got ${req.method}).` }),
      requestIdOf(res),
    );
  }) satisfies Handler);

  const notFound: Handler = (req, res) => {
    sendProblem(
      res,
      new SaiError('SAI_ERR_NOT_FOUND', {
        message: `No route ${req.method} ${pathOf(req).slice(0, 100)}. See GET /v1/policies.`,
      }),
      requestIdOf(res),
    );
  };

  // last resort: router errors (bad URL encoding and the like) and anything unforeseen
  const onError = (err: unknown, req: Req, res: Res): void => {
    const requestId = requestIdOf(res);
    const status = (err as { status?: number } | undefined)?.status;
    const e =
      err instanceof SaiError
        ? err
        : typeof status === 'number' && status >= 400 && status < 500
          ? new SaiError('SAI_ERR_BAD_REQUEST', { message: 'The request could not be understood.' })
          : toSaiError(err);
    if (e.status >= 500) {
      logger.error('unhandled error', { requestId, path: pathOf(req), error: (err as Error | undefined)?.message });
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendProblem(res, e, requestId);
  };

  const app = (req: IncomingMessage, res: ServerResponse): void => {
    // Policy calls with a plain name skip the router (same checks, same answers; its matching,
    // parameter decoding and layer walk were about a tenth of a small call's CPU).
    // Anything else, percent-encoded names included, takes the router.
    if (req.method === 'POST') {
      const name = plainPolicyName(req.url);
      if (name !== undefined) {
        stamp(req, res);
        void requireAuth(req as Req, res, () => void track(callPolicy(req, res, name)));
        return;
      }
    }
    (router as unknown as (req: IncomingMessage, res: ServerResponse, done: (err?: unknown) => void) => void)(
      req,
      res,
      (err?: unknown) => {
        if (err !== undefined && err !== null) onError(err, req as Req, res);
        else void notFound(req as Req, res, () => {});
      },
    );
  };

  return {
    app,
    metrics,
    drain() {
      draining = true;
    },
    whenIdle(ms) {
      if (active === 0) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          const i = idleWaiters.indexOf(wake);
          if (i >= 0) idleWaiters.splice(i, 1);
          resolve(false);
        }, ms);
        timer.unref();
        const wake = (): void => {
          clearTimeout(timer);
          resolve(true);
        };
        idleWaiters.push(wake);
      });
    },
    // eslint-disable-next-line no-restricted-syntax -- built once per app, not per request
    get draining() {
      return draining;
    },
  };
}
