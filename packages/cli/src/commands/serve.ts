/**
 * @fileoverview `synapse-ai serve`: starts the sidecar and stops it gracefully on SIGTERM/SIGINT.
 */
import { builtinPolicies } from '@synapse-ai/policies';
import { ConfigError, loadConfig, startSidecar } from '@synapse-ai/sidecar';
import { CliError, EXIT, intFlag, type Command } from '../cli';

export const serve: Command = {
  name: 'serve',
  summary: 'Start the sidecar that WSO2 mediation flows call (default 127.0.0.1:8088, in-memory store, no LLM).',
  usage: 'synapse-ai serve [--config FILE] [--port N] [--host H]',
  optionsHelp: `  -c, --config FILE     YAML or JSON configuration (also SAI_CONFIG)
  -p, --port N          Port to listen on (also SAI_PORT; 0 picks a free port)
      --host H          Address to bind (also SAI_HOST). Binding beyond loopback needs an auth
                        token (SAI_AUTH_TOKENS or auth.tokenFile)`,
  notes: `Environment: SAI_CONFIG, SAI_HOST, SAI_PORT, SAI_AUTH_TOKENS (comma-separated), SAI_AUTH_TOKEN_FILE,
SAI_LOG_LEVEL, SAI_BODY_LIMIT (e.g. 1mb), SAI_REQUEST_TIMEOUT_MS, SAI_REDIS_URL, SAI_AUDIT_FILE;
SAI_PII_VAULT_SECRET and SAI_REDACT_HASH_KEY where the configured policies need them (checked at start).
Stops gracefully on SIGTERM or SIGINT: no new connections, in-flight requests finish, exit 0.`,
  options: {
    config: { type: 'string', short: 'c' },
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
  },
  async run({ values }, io) {
    const port = intFlag('port', values.port, 0, 65535);
    const host = values.host as string | undefined;
    if (host !== undefined && host.trim() === '') throw new CliError('--host needs an address, e.g. 127.0.0.1.');
    let running;
    try {
      const config = loadConfig({
        ...(values.config !== undefined ? { file: values.config as string } : {}),
        env: io.env,
        overrides: { ...(port !== undefined ? { port } : {}), ...(host !== undefined ? { host } : {}) },
        policies: builtinPolicies,
      });
      running = await startSidecar({ config });
    } catch (err) {
      if (err instanceof ConfigError) throw new CliError(err.message);
      throw err;
    }
    const { url, logger } = running;
    logger.info('listening', { url });
    io.stdout.write(`synapse-ai sidecar listening on ${url} (catalogue: ${url}/v1/policies)\n`);
    return new Promise<number>((resolve) => {
      const stop = (signal: string): void => {
        logger.info('signal received', { signal });
        void running.close().then(() => resolve(EXIT.OK));
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
  },
};
