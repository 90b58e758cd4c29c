/**
 * @fileoverview What redact-pii and restore-pii share: the pseudonym scope of a call and the vault
 * built on the sidecar's store with a secret read from the environment.
 */
import { PseudonymVault } from '@synapse-ai/redact';
import { SaiError, type GatewayContext, type Store } from '@synapse-ai/sdk';

export const scopeOptions = {
  scope: {
    enum: ['tenant', 'tenant-session', 'session'],
    default: 'tenant-session',
    description: 'Where a pseudonym stays the same: per tenant, per tenant and session, or per session.',
  },
  sessionHeader: {
    type: 'string',
    pattern: '^[A-Za-z0-9-]{1,64}$',
    default: 'x-session-id',
    description: 'Request header that names the conversation (falls back to the consumer key).',
  },
  vaultSecretEnv: {
    type: 'string',
    pattern: '^[A-Z_][A-Z0-9_]{0,63}$',
    default: 'SAI_PII_VAULT_SECRET',
    description: 'Environment variable holding the secret that encrypts stored values (16+ characters).',
  },
  ttlSeconds: { type: 'integer', minimum: 1, maximum: 604800, default: 3600, description: 'Pseudonym lifetime.' },
} as const;

export function scopeOf(
  options: { scope: string; sessionHeader: string },
  gateway: GatewayContext,
  headers: Readonly<Record<string, string>>,
): string {
  const session = headers[options.sessionHeader.toLowerCase()] ?? gateway.consumerKey ?? '-';
  const tenant = gateway.tenantId ?? '-';
  return options.scope === 'tenant'
    ? `t:${tenant}`
    : options.scope === 'session'
      ? `s:${session}`
      : `t:${tenant}|s:${session}`;
}

/** Start-up check: the secret a pseudonym vault needs is in the environment. */
export function secretProblems(
  env: Readonly<Record<string, string | undefined>>,
  variable: string,
  field: string,
  purpose: string,
): string[] {
  const v = env[variable];
  if (v !== undefined && v.length >= 16) return [];
  return [
    `${field}: ${purpose} needs the environment variable ${variable} set to a secret of at least 16 characters (${v === undefined || v === '' ? 'it is not set' : `it has ${v.length}`}). Fix: export ${variable}=$(openssl rand -hex 32) before starting, the same on every replica.`,
  ];
}

const vaults = new WeakMap<Store, Map<string, PseudonymVault>>();

/** The vault over the sidecar's store. @throws {SaiError} when the secret is not set (an operator error). */
export function vaultFor(store: Store, options: { vaultSecretEnv: string; ttlSeconds: number }): PseudonymVault {
  const secret = process.env[options.vaultSecretEnv];
  if (!secret || secret.length < 16) {
    throw new SaiError('SAI_ERR_INVALID_OPTIONS', {
      logDetail: { reason: `pseudonyms need ${options.vaultSecretEnv} set to a secret of at least 16 characters` },
    });
  }
  let byKey = vaults.get(store);
  if (!byKey) vaults.set(store, (byKey = new Map()));
  const key = `${options.vaultSecretEnv}|${options.ttlSeconds}|${secret}`;
  let vault = byKey.get(key);
  if (!vault) byKey.set(key, (vault = new PseudonymVault(store, { secret, ttlMs: options.ttlSeconds * 1000 })));
  return vault;
}
