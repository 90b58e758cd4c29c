import { PassThrough } from 'node:stream';
import { MemoryStore, type Policy } from '@synapse-ai/sdk';
import { builtinPolicies } from '@synapse-ai/policies';
import { buildRegistry, createApp } from '../app';
import { loadConfig } from '../config';
import { createLogger } from '../logger';

export const TOKEN = 'test-token-0123456789abcdef';

/** An app as the sidecar builds it, with logs captured as parsed JSON records. */
export function makeApp(
  configPatch: Record<string, unknown> = {},
  policies: readonly Policy[] = builtinPolicies,
  env: Record<string, string> = {},
) {
  const config = loadConfig({ env: { ...env } });
  const merged = { ...config } as Record<string, unknown>;
  for (const [k, v] of Object.entries(configPatch)) {
    const base = merged[k];
    merged[k] =
      base && typeof base === 'object' && !Array.isArray(base) && v && typeof v === 'object' ? { ...base, ...v } : v;
  }
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const logger = createLogger({ level: 'debug', stream });
  const store = new MemoryStore(undefined, 0);
  const cfg = merged as unknown as typeof config;
  const sidecar = createApp({ config: cfg, registry: buildRegistry(policies, cfg), logger, store });
  return {
    ...sidecar,
    store,
    logs: () => lines.join('\n'),
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
