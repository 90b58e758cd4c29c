/**
 * @fileoverview Starting and stopping the sidecar: the bind-address safety check, listening, and a
 * graceful shutdown that stops accepting, finishes in-flight requests and then closes.
 */
import { createServer, STATUS_CODES, type Server } from 'node:http';
import { buildAssistant, type Assistant } from './assistant';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { MemoryStore, problemType, type LlmHooks, type Logger, type Policy, type Store } from '@synapse-ai/sdk';
import { builtinPolicies } from '@synapse-ai/policies';
import { LlmConfigError, LlmLayer, Meter } from '@synapse-ai/llm';
import { buildRegistry, createApp, type SidecarApp } from './app';
import { LlmMetrics, observerFor, watchBreakers, type LlmServices } from './llmHooks';
import { SidecarMetrics } from './metrics';
import { sharedRedactPool } from '@synapse-ai/redact';
import { AuditFileError, AuditLog } from './audit';
import { ConfigError, isLoopbackHost, type SidecarConfig } from './config';
import { createLogger, trustLogValue } from './logger';
import { RedisStore } from './redisStore';

export interface StartOptions {
  config: Readonly<SidecarConfig>;
  /** Policies to serve (default: every built-in policy). */
  policies?: readonly Policy[];
  logger?: Logger;
  store?: Store;
  llm?: LlmHooks;
}

export interface RunningSidecar {
  server: Server;
  sidecar: SidecarApp;
  /** `http://host:port` as bound (with the real port when 0 was asked for). */
  url: string;
  port: number;
  logger: Logger;
  /** Stops accepting, lets in-flight requests finish (up to `shutdownTimeoutMs`), then closes. */
  close(): Promise<void>;
}

/**
 * Refuses a configuration that would expose the sidecar without authentication.
 * @throws {ConfigError}
 */
export function checkExposure(config: Readonly<SidecarConfig>): void {
  if (config.auth.tokens.length === 0 && !isLoopbackHost(config.server.host)) {
    throw new ConfigError('server.host + auth', [
      `server.host is ${JSON.stringify(config.server.host)}, which is reachable from other machines, and no auth token is configured. ` +
        'Fix: set SAI_AUTH_TOKENS (or auth.tokenFile) to a random token of at least 16 characters, or bind to 127.0.0.1.',
    ]);
  }
}

export async function startSidecar(options: StartOptions): Promise<RunningSidecar> {
  const { config } = options;
  checkExposure(config);
  const logger = options.logger ?? createLogger({ level: config.logging.level });
  const store =
    options.store ??
    (config.store.type === 'redis'
      ? new RedisStore({
          url: config.store.url!,
          keyPrefix: config.store.keyPrefix,
          commandTimeoutMs: config.store.commandTimeoutMs,
        })
      : new MemoryStore());
  const registry = buildRegistry(options.policies ?? builtinPolicies, config);
  let audit: AuditLog | undefined;
  const metrics = new SidecarMetrics();
  if (config.audit.file) {
    const headKey = process.env[config.audit.headKeyEnv];
    try {
      audit = new AuditLog({
        file: config.audit.file,
        maxBytes: config.audit.maxBytes,
        onError: config.audit.onError,
        ...(headKey ? { headKey } : {}),
        onEvent: (e) => {
          if (e.kind === 'write-failed')
            logger.error('the audit log cannot be written', {
              code: e.code,
              waiting: e.records,
              mode: config.audit.onError,
              note:
                config.audit.onError === 'fail-closed'
                  ? 'audited requests are refused with 503 until writing works again'
                  : 'requests go on; records wait in memory',
            });
          else if (e.kind === 'recovered') logger.warn('the audit log is written again');
          else if (e.records === 1 || e.records % 1000 === 0)
            logger.error('audit records dropped (the in-memory buffer is full)', { dropped: e.records });
        },
      });
    } catch (err) {
      if (err instanceof AuditFileError) throw new ConfigError('audit', [err.message]);
      throw new ConfigError('audit', [
        `audit.file ${JSON.stringify(config.audit.file)} cannot be opened (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). Fix: create its folder and let the sidecar write there.`,
      ]);
    }
    if (audit.repaired)
      logger.warn('the audit log ended in a record cut off mid-write; the chain continues from the last whole record', {
        bytes: audit.repaired.bytes,
        savedTo: audit.repaired.savedTo,
      });
    metrics.watchAudit(audit);
  }
  let llmServices: LlmServices | undefined;
  if (config.llm) {
    let layer: LlmLayer;
    const llmMetrics = new LlmMetrics(metrics.registry);
    try {
      layer = new LlmLayer(config.llm, store, observerFor(llmMetrics));
    } catch (err) {
      if (err instanceof LlmConfigError)
        throw new ConfigError('llm', [`${err.message}. Fix: see the LLM section of the README.`]);
      throw err;
    }
    llmServices = {
      layer,
      meter: new Meter(store, {
        ...(config.llm.quotas ? { quotas: config.llm.quotas } : {}),
        ...(config.llm.tiers ? { tiers: config.llm.tiers } : {}),
        ...(config.llm.prices ? { prices: config.llm.prices } : {}),
        defaultModel: config.llm.chain[0]!.model,
      }),
      metrics: llmMetrics,
      auditPrompts: config.audit.prompts,
      ...(audit ? { audit } : {}),
    };
    watchBreakers(metrics.registry, layer);
  }
  let assistant: Assistant | undefined;
  if (config.assistant) {
    try {
      assistant = await buildAssistant(config.assistant);
    } catch (err) {
      throw new ConfigError('assistant', [`${(err as Error).message} Fix: list existing paths under assistant.docs.`]);
    }
    logger.info('assistant indexed its documentation', { passages: assistant.passages });
  }
  const sidecar = createApp({
    config,
    registry,
    ...(assistant ? { assistant } : {}),
    logger,
    store,
    metrics,
    ...(audit ? { audit } : {}),
    ...(llmServices ? { llmServices } : {}),
    ...(options.llm ? { llm: options.llm } : {}),
  });

  const server = createServer(sidecar.app);
  // Node answers what its HTTP parser refuses (bad Content-Length, oversize headers, a bad Expect …)
  // with a bare status line; every malformed request gets a problem body like any other 4xx instead
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerParserError(err, socket));
  server.keepAliveTimeout = config.server.keepAliveTimeoutMs;
  server.headersTimeout = Math.max(config.server.keepAliveTimeoutMs + 1000, 60_000);
  server.requestTimeout = config.server.requestTimeoutMs + 30_000;

  let inFlight = 0;
  let idle: (() => void) | undefined;
  server.on('request', (_req, res) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) idle?.();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.server.port, config.server.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    const why =
      err.code === 'EADDRINUSE'
        ? `port ${config.server.port} is already in use. Fix: stop the other process or choose another port (--port, SAI_PORT).`
        : err.code === 'EADDRNOTAVAIL'
          ? `${config.server.host} is not an address of this machine. Fix: use 127.0.0.1, 0.0.0.0 or one of its interface addresses.`
          : err.code === 'EACCES'
            ? `not allowed to listen on port ${config.server.port}. Fix: use a port above 1023.`
            : err.message;
    throw new ConfigError('server', [`cannot listen on ${config.server.host}:${config.server.port}: ${why}`]);
  });

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  trustLogValue(url); // its own listen address is not a client's IP address

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      sidecar.drain();
      logger.info('shutting down: no new connections, finishing in-flight requests', { inFlight });
      const shutdownStarted = performance.now();
      const done = (): void => {
        clearTimeout(force);
        // the responses are out; work that outlives them (a model call past its deadline) writes its
        // audit records and settles its usage before the log and the store close
        const left = Math.max(0, config.server.shutdownTimeoutMs - (performance.now() - shutdownStarted));
        void sidecar.whenIdle(left).then((idle) => {
          if (!idle)
            logger.warn('shutdown timeout reached with work still running; its records are written as it ends');
          audit?.close();
          return Promise.all([store.close(), sharedRedactPool().close()]).finally(() => {
            logger.info('stopped');
            resolve();
          });
        });
      };
      const force = setTimeout(() => {
        logger.warn('shutdown timeout reached; closing remaining connections', { inFlight });
        server.closeAllConnections();
      }, config.server.shutdownTimeoutMs);
      force.unref();
      let serverClosed = false;
      const maybeDone = (): void => {
        if (serverClosed && inFlight === 0) done();
      };
      idle = () => {
        server.closeIdleConnections();
        maybeDone();
      };
      server.close(() => {
        serverClosed = true;
        maybeDone();
      });
      server.closeIdleConnections();
    });
    return closing;
  };

  return { server, sidecar, url, port: address.port, logger, close };
}

/** A problem answer to a request Node's HTTP parser refused, then the connection closes. */
export function answerParserError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? 431
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT'
        ? 408
        : 400;
  const detail =
    status === 431
      ? 'The request headers are larger than the server accepts.'
      : status === 408
        ? 'The request did not arrive in time.'
        : 'The request is not valid HTTP (for example a malformed Content-Length or Transfer-Encoding).';
  const body = JSON.stringify({
    type: problemType('SAI_ERR_BAD_REQUEST'),
    title: STATUS_CODES[status],
    status,
    detail,
    code: 'SAI_ERR_BAD_REQUEST',
  });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
