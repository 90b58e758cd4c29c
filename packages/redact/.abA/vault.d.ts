import { type RedactOptions, type RedactResult } from './redact';
/** The part of the sidecar's store the vault needs (the SDK's `Store` satisfies it). */
export interface VaultStore {
    get(key: string): Promise<string | undefined>;
    set(key: string, value: string, ttlMs?: number): Promise<void>;
    incr(key: string, by?: number, ttlMs?: number): Promise<number>;
}
export interface VaultOptions {
    /** Secret for encrypting values and keying lookups (from an environment variable or file, never the request). */
    secret: string;
    /** How long a pseudonym lives (default 1 hour). */
    ttlMs?: number;
}
export declare const TOKEN_RE: RegExp;
export declare class PseudonymVault {
    private readonly store;
    private readonly encKey;
    private readonly macKey;
    private readonly ttlMs;
    constructor(store: VaultStore, options: VaultOptions);
    private scopeId;
    private encrypt;
    private decrypt;
    /** The pseudonym of each (type, value) in `scope`, creating new ones as needed. */
    tokensFor(scope: string, items: readonly {
        type: string;
        value: string;
    }[]): Promise<string[]>;
    /** The real value behind each token in `scope` (undefined when unknown or expired). */
    valuesFor(scope: string, tokens: readonly string[]): Promise<(string | undefined)[]>;
}
/**
 * Redacts with pseudonyms: one pass collects the values to pseudonymize, the vault gives their tokens,
 * a second pass writes them.
 */
export declare function redactWithPseudonyms(body: string, opts: Omit<RedactOptions, 'pseudonyms'>, vault: PseudonymVault, scope: string): Promise<RedactResult>;
export interface RestoreResult {
    body: string;
    restored: number;
    unknown: number;
}
/**
 * Puts real values back for the tokens in a body, in any string: plain JSON values, JSON documents
 * nested in strings (LLM tool-call arguments), XML text and attributes, plain text.
 */
export declare function restore(body: string, contentType: string, vault: PseudonymVault, scope: string): Promise<RestoreResult>;
//# sourceMappingURL=vault.d.ts.map