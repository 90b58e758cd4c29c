/**
 * @fileoverview The express app: auth → limits → parse → policy or pipeline → serialize. Express is a
 * thin adapter here; the policy runtime is the SDK's transport-agnostic `PolicyChain`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import {
  contextFromHeaders,
  correlationIdFrom,
  mountPolicy,
  parsePayload,
  PolicyChain,
  SaiError,
  serializePayload,
  toProblem,
  toSaiError,
  type LlmHooks,
  type Logger,
  type Policy,
  type Store,
} from '@synapse-ai/sdk';
import { TokenAuth } from './auth';
import { ConfigError, type SidecarConfig } from './config';
import { SidecarMetrics, type Outcome } from './metrics';

/** The policies and pipelines the sidecar serves, by route name. */
export interface Registry {
  readonly chains: ReadonlyMap<string, PolicyChain>;
  readonly policies: readonly Policy[];
  readonly pipelines: ReadonlyMap<string, PolicyChain>;
}

/**
 * Mounts every policy with its configured options and composes the pipelines.
 * @throws {ConfigError} for unknown policies, bad options or name clashes, naming the config field.
 */
export function buildRegistry(policies: readonly Policy[], config: Readonly<SidecarConfig>): Registry {
  const problems: string[] = [];
  const byName = new Map<string, Policy>();
  for (const p of policies) {
    if (byName.has(p.meta.name)) problems.push(`two policies are named "${p.meta.name}"`);
    byName.set(p.meta.name, p);
  }
  const known = (): string => [...byName.keys()].join(', ');
  const mount = (policy: Policy, options: unknown, where: string) => {
    try {
      return mountPolicy(policy, options);
    } catch (err) {
      const e = err as SaiError;
      problems.push(`${where}: ${e.message}`);
      return undefined;
    }
  };
  const chains = new Map<string, PolicyChain>();
  for (const [name, policy] of byName) {
    const m = mount(policy, config.policies[name]?.options, `policies.${name}.options`);
    if (m) chains.set(name, new PolicyChain(name, [m]));
  }
  for (const name of Object.keys(config.policies)) {
    if (!byName.has(name)) problems.push(`policies.${name}: no policy is named "${name}". Fix: use one of ${known()}.`);
  }
  const pipelines = new Map<string, PolicyChain>();
  for (const [name, steps] of Object.entries(config.pipelines)) {
    if (byName.has(name)) {
      problems.push(`pipelines.${name}: a policy already has this name. Fix: rename the pipeline.`);
      continue;
    }
    const mounted = steps.map((step, i) => {
      const policy = byName.get(step.policy);
      if (!policy) {
        problems.push(`pipelines.${name}[${i}]: no policy is named "${step.policy}". Fix: use one of ${known()}.`);
        return undefined;
      }
      // a step without options inherits the policy's configured options
      return mount(policy, step.options ?? config.policies[step.policy]?.options, `pipelines.${name}[${i}].options`);
    });
    if (mounted.every((m) => m !== undefined)) {
      const chain = new PolicyChain(name, mounted);
      if (chain.flows.length === 0) {
        problems.push(`pipelines.${name}: its policies share no flow (request, response or fault). Fix: split it by flow.`);
      }
      pipelines.set(name, chain);
      chains.set(name, chain);
    }
  }
  if (problems.length > 0) throw new ConfigError('policies and pipelines', problems);
  return { chains, policies: [...byName.values()], pipelines };
}

export interface AppServices {
  config: Readonly<SidecarConfig>;
  registry: Registry;
  logger: Logger;
  store: Store;
  llm?: LlmHooks;
  metrics?: SidecarMetrics;
}

export interface SidecarApp {
  app: Express;
  metrics: SidecarMetrics;
  /** Marks the app as draining: `/readyz` answers 503 and responses close their connections. */
  drain(): void;
  readonly draining: boolean;
}

function sendProblem(res: Response, err: SaiError, requestId: string, instance?: string): void {
  const body = JSON.stringify(toProblem(err, requestId, instance));
  res.status(err.status);
  res.setHeader('Content-Type', 'application/problem+json');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/** Reads the whole body once, refusing more than `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
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
      reject(new SaiError('SAI_ERR_BAD_REQUEST', { message: 'The client closed the connection before sending the whole body.' }));
    };
    const cleanup = (): void => {
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

/** Builds the express app. It does not listen: tests drive it with supertest, `startSidecar` serves it. */
export function createApp(services: AppServices): SidecarApp {
  const { config, registry, logger, store } = services;
  const metrics = services.metrics ?? new SidecarMetrics();
  const auth = new TokenAuth(config.auth.tokens);
  const limit = config.server.bodyLimit;
  const logRequests = config.logging.requests;
  let draining = false;

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  // correlation id on every response; connection closes while draining
  app.use((req: Request, res: Response, next: NextFunction) => {
    const requestId = correlationIdFrom(req.headers, randomUUID);
    res.locals.requestId = requestId;
    res.setHeader('X-Correlation-ID', requestId);
    if (draining) res.setHeader('Connection', 'close');
    next();
  });

  const requireAuth = (req: Request, res: Response, next: NextFunction): void => {
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
      res.locals.requestId as string,
    );
  };

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const storeOk = await store.ping().catch(() => false);
    const ready = !draining && storeOk;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : draining ? 'draining' : 'not-ready', store: storeOk ? 'ok' : 'down' });
  });

  app.get('/metrics', requireAuth, async (_req, res) => {
    res.setHeader('Content-Type', metrics.contentType);
    res.end(await metrics.render());
  });

  const catalogue = JSON.stringify({
    policies: registry.policies.map((p) => p.describe()),
    pipelines: [...registry.pipelines].map(([name, chain]) => ({
      name,
      route: `/v1/policies/${name}`,
      flows: chain.flows,
      steps: chain.steps.map((s) => ({ policy: s.policy.meta.name, version: s.policy.meta.version })),
    })),
  });
  app.get('/v1/policies', requireAuth, (_req, res) => {
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(catalogue);
  });

  app.post('/v1/policies/:name', requireAuth, async (req: Request, res: Response) => {
    const started = performance.now();
    const requestId = res.locals.requestId as string;
    const name = req.params.name as string;
    const chain = registry.chains.get(name);
    const label = chain ? name : '_unknown';
    res.setHeader('X-Policy-Decision', 'block');
    const fail = (err: SaiError, timings: readonly { name: string; ms: number }[] = []): void => {
      const total = performance.now() - started;
      res.setHeader('Server-Timing', serverTiming(timings, total));
      if (err.status === 413 || draining) res.setHeader('Connection', 'close');
      sendProblem(res, err, requestId, req.originalUrl);
      metrics.observe(label, outcomeOf(err.status), total / 1000);
      if (err.status >= 500) {
        logger.error('policy call failed', { requestId, policy: name, code: err.code, ...(err.logDetail ?? {}) });
      } else if (logRequests !== 'none') {
        logger.info('policy call refused', { requestId, policy: label, status: err.status, code: err.code, ...(err.logDetail ?? {}) });
      }
    };
    try {
      if (!chain) {
        throw new SaiError('SAI_ERR_POLICY_NOT_FOUND', {
          message: `No policy or pipeline is named '${name.slice(0, 64)}'. GET /v1/policies lists them.`,
        });
      }
      const context = contextFromHeaders(req.headers, () => requestId);
      const raw = await readBody(req, limit);
      const payload = parsePayload(raw, req.headers['content-type'], { maxDepth: config.server.maxDepth });
      const ac = new AbortController();
      const onClose = (): void => {
        if (!res.writableFinished) ac.abort();
      };
      res.once('close', onClose);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (k !== 'authorization' && typeof v === 'string') headers[k] = v;
      }
      const outcome = await chain.execute(
        { payload, contentType: payload.kind === 'empty' ? undefined : req.headers['content-type'], headers, context },
        {
          logger: logger.child({ requestId }),
          store,
          ...(services.llm ? { llm: services.llm } : {}),
          timeoutMs: config.server.requestTimeoutMs,
          signal: ac.signal,
        },
      );
      res.off('close', onClose);
      if (outcome.kind === 'block') {
        fail(outcome.error, outcome.timings);
        return;
      }
      const body = serializePayload(outcome.payload);
      const total = performance.now() - started;
      for (const [k, v] of Object.entries(outcome.headers)) res.setHeader(k, v);
      res.setHeader('X-Policy-Decision', outcome.decision);
      res.setHeader('Server-Timing', serverTiming(outcome.timings, total));
      if (outcome.contentType !== undefined) res.setHeader('Content-Type', outcome.contentType);
      res.setHeader('Content-Length', Buffer.byteLength(body));
      if (draining) res.setHeader('Connection', 'close');
      res.status(200).end(body);
      metrics.observe(label, outcome.decision, total / 1000);
      if (logRequests === 'all') {
        logger.info('policy call', { requestId, policy: name, decision: outcome.decision, ms: Number(total.toFixed(3)) });
      }
    } catch (err) {
      fail(toSaiError(err));
    }
  });

  app.all('/v1/policies/:name', (req, res) => {
    res.setHeader('Allow', 'POST');
    sendProblem(
      res,
      new SaiError('SAI_ERR_METHOD_NOT_ALLOWED', { message: `Use POST to call a policy (got ${req.method}).` }),
      res.locals.requestId as string,
    );
  });
  app.all('/v1/policies', (req, res) => {
    res.setHeader('Allow', 'GET');
    sendProblem(res, new SaiError('SAI_ERR_METHOD_NOT_ALLOWED', { message: `Use GET for the catalogue (got ${req.method}).` }), res.locals.requestId as string);
  });

  app.use((req: Request, res: Response) => {
    sendProblem(
      res,
      new SaiError('SAI_ERR_NOT_FOUND', { message: `No route ${req.method} ${req.path.slice(0, 100)}. See GET /v1/policies.` }),
      (res.locals.requestId as string | undefined) ?? randomUUID(),
    );
  });

  // last resort: express/router errors (bad URL encoding and the like) and anything unforeseen
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const requestId = (res.locals.requestId as string | undefined) ?? randomUUID();
    const status = (err as { status?: number }).status;
    const e =
      err instanceof SaiError
        ? err
        : typeof status === 'number' && status >= 400 && status < 500
          ? new SaiError('SAI_ERR_BAD_REQUEST', { message: 'The request could not be understood.' })
          : toSaiError(err);
    if (e.status >= 500) logger.error('unhandled error', { requestId, path: req.path, error: (err as Error)?.message });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendProblem(res, e, requestId);
  });

  return {
    app,
    metrics,
    drain() {
      draining = true;
    },
    get draining() {
      return draining;
    },
  };
}
