/** An error of the redaction engine, with a code the policies map to the error catalogue. */
export class RedactError extends Error {
  constructor(
    readonly code: 'REDACT_TIMEOUT' | 'REDACT_MALFORMED' | 'REDACT_CONFIG' | 'REDACT_UNSUPPORTED_TYPE',
    message: string,
  ) {
    super(message);
    this.name = 'RedactError';
  }
}
