/**
 * @fileoverview Reversible, consistent pseudonyms. `<EMAIL_1>` stands for the same value throughout a
 * scope (a tenant's conversation), so a model sees consistent placeholders and the response flow can
 * put the real values back. Values are stored encrypted (AES-256-GCM) with a TTL; the lookup key of a
 * value is an HMAC, never the value.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { isValidJson } from '@synapse-ai/json-xml';
import { pseudonymKey, sharedRedactPool, type RedactPool } from './pool';
import type { RedactOptions, RedactResult } from './redact';

/** The part of the sidecar's store the vault needs (the SDK's `Store` satisfies it). */
export interface VaultStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Sets `key` only when it holds nothing (or has expired); true when it was set. */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  incr(key: string, by?: number, ttlMs?: number): Promise<number>;
}

/** How many occupied numbers one issuance may skip before it gives up (a scope with that many live tokens). */
const MAX_SKIPPED_NUMBERS = 100_000;

export interface VaultOptions {
  /** Secret for encrypting values and keying lookups (from an environment variable or file, never the request). */
  secret: string;
  /** How long a pseudonym lives (default 1 hour). */
  ttlMs?: number;
}

export const TOKEN_RE = /<([A-Z][A-Z0-9]*(?:_[A-Z][A-Z0-9]*)*)_(\d{1,9})>/g;

export class PseudonymVault {
  private readonly encKey: Buffer;
  private readonly macKey: Buffer;
  private readonly ttlMs: number;

  constructor(
    private readonly store: VaultStore,
    options: VaultOptions,
  ) {
    if (!options.secret || options.secret.length < 16)
      throw new Error('the pseudonym vault needs a secret of at least 16 characters');
    this.encKey = createHash('sha256').update(`enc\u0000${options.secret}`).digest();
    this.macKey = createHash('sha256').update(`mac\u0000${options.secret}`).digest();
    this.ttlMs = options.ttlMs ?? 3_600_000;
  }

  private scopeId(scope: string): string {
    return createHmac('sha256', this.macKey).update(scope).digest('hex').slice(0, 24);
  }

  private encrypt(value: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encKey, iv);
    const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64');
  }

  private decrypt(blob: string): string | undefined {
    try {
      const raw = Buffer.from(blob, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', this.encKey, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  /** The pseudonym of each (type, value) in `scope`, creating new ones as needed. */
  async tokensFor(scope: string, items: readonly { type: string; value: string }[]): Promise<string[]> {
    const sid = this.scopeId(scope);
    const out: string[] = [];
    for (const { type, value } of items) {
      const fwdKey = `pii:fwd:${sid}:${createHmac('sha256', this.macKey).update(`${type}\u0000${value}`).digest('hex').slice(0, 32)}`;
      const enc = this.encrypt(value);
      const revKey = (t: string): string => `pii:rev:${sid}:${t}`;
      let token = await this.store.get(fwdKey);
      if (token !== undefined) {
        // a pseudonym stays restorable for ttlMs after its last use: renew it if it is still ours
        const held = await this.store.get(revKey(token));
        const ours =
          held !== undefined
            ? this.decrypt(held) === value
            : await this.store.setIfAbsent(revKey(token), enc, this.ttlMs);
        if (!ours) token = undefined;
      }
      if (token === undefined) {
        // A number is issued only when no restorable mapping holds it: the counter expires with its
        // first mapping (or is lost with a store restart) while later mappings live on, and a reissued
        // number would let restore-pii put back another person's value.
        for (let skipped = 0; token === undefined; skipped++) {
          if (skipped >= MAX_SKIPPED_NUMBERS) {
            throw new Error(`no free pseudonym number for ${type} in this scope after ${skipped} live ones`);
          }
          const n = await this.store.incr(`pii:ctr:${sid}:${type}`, 1, this.ttlMs);
          const candidate = `<${type}_${n}>`;
          if (await this.store.setIfAbsent(revKey(candidate), enc, this.ttlMs)) token = candidate;
        }
      }
      await this.store.set(fwdKey, token, this.ttlMs);
      // renew the reverse mapping after the forward one, so it never expires first: a value must not
      // keep pointing at a number that could be handed to someone else
      await this.store.set(revKey(token), enc, this.ttlMs);
      out.push(token);
    }
    return out;
  }

  /** The real value behind each token in `scope` (undefined when unknown or expired). */
  async valuesFor(scope: string, tokens: readonly string[]): Promise<(string | undefined)[]> {
    const sid = this.scopeId(scope);
    return Promise.all(
      tokens.map(async (t) => {
        const blob = await this.store.get(`pii:rev:${sid}:${t}`);
        return blob === undefined ? undefined : this.decrypt(blob);
      }),
    );
  }
}

/**
 * Redacts with pseudonyms: one pass collects the values to pseudonymize, the vault gives their tokens,
 * a second pass writes them. Large bodies are redacted in the pool's workers (see {@link RedactPool}).
 */
export async function redactWithPseudonyms(
  body: string,
  opts: Omit<RedactOptions, 'pseudonyms'>,
  vault: PseudonymVault,
  scope: string,
  pool: RedactPool = sharedRedactPool(),
): Promise<RedactResult> {
  const first = await pool.run(body, opts, { mode: 'collect' });
  if (first.wanted.length === 0) return first.result;
  const tokens = await vault.tokensFor(scope, first.wanted);
  const pairs = first.wanted.map((it, i): [string, string] => [pseudonymKey(it.type, it.value), tokens[i]!]);
  return (await pool.run(body, opts, { mode: 'apply', tokens: pairs })).result;
}

/** Replaces tokens in text (and, structurally, in JSON documents held in strings). */
function replaceTokens(text: string, values: ReadonlyMap<string, string>, json: boolean): string {
  return text.replace(TOKEN_RE, (token) => {
    const v = values.get(token);
    if (v === undefined) return token;
    // inside JSON text, the value must be escaped as a JSON string's content
    return json ? JSON.stringify(v).slice(1, -1) : v;
  });
}

export interface RestoreResult {
  body: string;
  restored: number;
  unknown: number;
}

/**
 * Puts real values back for the tokens in a body, in any string: plain JSON values, JSON documents
 * nested in strings (LLM tool-call arguments), XML text and attributes, plain text.
 */
export async function restore(
  body: string,
  contentType: string,
  vault: PseudonymVault,
  scope: string,
): Promise<RestoreResult> {
  const tokens = [...new Set(body.match(TOKEN_RE) ?? [])];
  // JSON strings may carry tokens with escaped brackets (\u003c): decode those too
  const escaped = [...new Set(body.match(/\\u003[cC]([A-Z][A-Z0-9_]*_\d{1,9})\\u003[eE]/g) ?? [])].map(
    (e) => `<${e.slice(6, -6)}>`,
  );
  const all = [...new Set([...tokens, ...escaped])];
  if (all.length === 0) return { body, restored: 0, unknown: 0 };
  const values = await vault.valuesFor(scope, all);
  const map = new Map<string, string>();
  all.forEach((t, i) => {
    if (values[i] !== undefined) map.set(t, values[i]!);
  });
  const mt = contentType.split(';')[0]!.trim().toLowerCase();
  const isJson = mt === 'application/json' || mt.endsWith('+json');
  const isXml = mt === 'application/xml' || mt === 'text/xml' || mt.endsWith('+xml');
  let out: string;
  if (isJson) {
    out = restoreJson(body, map);
  } else if (isXml) {
    out = body.replace(/&lt;([A-Z][A-Z0-9_]*_\d{1,9})&gt;/g, (m, inner: string) => {
      const v = map.get(`<${inner}>`);
      return v === undefined
        ? m
        : v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    });
    out = out.replace(
      /<!\[CDATA\[([\s\S]*?)\]\]>/g,
      (_m, inner: string) => `<![CDATA[${replaceTokens(inner, map, false).replace(/\]\]>/g, ']]]]><![CDATA[>')}]]>`,
    );
  } else {
    out = replaceTokens(body, map, false);
  }
  return { body: out, restored: map.size, unknown: all.length - map.size };
}

/** Walks JSON string tokens; each string is decoded, restored (recursively when it holds JSON) and re-encoded. */
function restoreJson(text: string, values: ReadonlyMap<string, string>): string {
  return text.replace(/"(?:[^"\\]|\\.)*"/g, (raw) => {
    if (!raw.includes('<') && !/\\u003[cC]/.test(raw)) return raw;
    const decoded = JSON.parse(raw) as string;
    const trimmed = decoded.trim();
    const nested = (trimmed.startsWith('{') || trimmed.startsWith('[')) && isValidJson(trimmed);
    const restored = nested ? restoreJson(decoded, values) : replaceTokens(decoded, values, false);
    return restored === decoded ? raw : JSON.stringify(restored);
  });
}
