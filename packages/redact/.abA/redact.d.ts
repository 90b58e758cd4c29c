import { type CustomDetector, type Finding } from './detectors';
import { RedactError } from './errors';
import { type FieldRule } from './rules';
export { RedactError };
export type Operator = {
    op: 'replace';
    label?: string;
} | {
    op: 'mask';
    keepLast?: number;
    char?: string;
} | {
    op: 'hash';
    length?: number;
} | {
    op: 'drop';
} | {
    op: 'pseudonymize';
};
/** Gives the pseudonym (`<EMAIL_1>`) for a value; the same value gets the same pseudonym within a scope. */
export type PseudonymResolver = (type: string, value: string) => string;
export interface RedactOptions {
    /** Media type of the body: JSON (`application/json`, `+json`), XML (`application/xml`, `text/xml`, `+xml`) or `text/*`. */
    contentType: string;
    /** Types to detect (default: all but URL). */
    types?: readonly string[];
    /** Operator per type; `*` applies to types without their own. Default `replace` (`<EMAIL>`). */
    operators?: Readonly<Record<string, Operator>>;
    /** Per-path rules: always redact, never redact, or scan (the default). */
    rules?: readonly FieldRule[];
    custom?: readonly CustomDetector[];
    defaultCountry?: string;
    /** Key for the `hash` operator (HMAC-SHA256). Required when an operator hashes. */
    hashKey?: string;
    /** Required when an operator pseudonymizes. */
    pseudonyms?: PseudonymResolver;
    /** Monotonic time (performance.now()) after which redaction stops with `REDACT_TIMEOUT`. */
    deadline?: number;
    /** Deepest nesting accepted (default 512). */
    maxDepth?: number;
    now?: Date;
}
export interface RedactResult {
    body: string;
    findings: Finding[];
    /** Counts by type. */
    summary: Record<string, number>;
}
export type BodyKind = 'json' | 'xml' | 'text';
export declare function kindOf(contentType: string): BodyKind | undefined;
/**
 * Redacts a body by its content type.
 * @throws {RedactError} REDACT_MALFORMED, REDACT_TIMEOUT, REDACT_CONFIG, REDACT_UNSUPPORTED_TYPE
 */
export declare function redact(body: string, opts: RedactOptions): RedactResult;
/** `EMAIL=2,PHONE=1`: counts only, for the `X-Redaction-Summary` header. */
export declare function summaryHeader(summary: Readonly<Record<string, number>>): string;
//# sourceMappingURL=redact.d.ts.map