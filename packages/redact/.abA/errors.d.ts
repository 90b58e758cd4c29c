/** An error of the redaction engine, with a code the policies map to the error catalogue. */
export declare class RedactError extends Error {
    readonly code: 'REDACT_TIMEOUT' | 'REDACT_MALFORMED' | 'REDACT_CONFIG' | 'REDACT_UNSUPPORTED_TYPE';
    constructor(code: 'REDACT_TIMEOUT' | 'REDACT_MALFORMED' | 'REDACT_CONFIG' | 'REDACT_UNSUPPORTED_TYPE', message: string);
}
//# sourceMappingURL=errors.d.ts.map