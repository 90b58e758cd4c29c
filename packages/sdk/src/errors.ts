/**
 * @fileoverview The one catalogue of error codes. Every error a client, an operator or a CI job can
 * see has a code here with a fixed HTTP status; `docs/errors.md` documents each (a test keeps the two
 * in step).
 */

export const ERROR_CATALOGUE = {
  SAI_ERR_MALFORMED_JSON: { status: 400, title: 'Malformed JSON body' },
  SAI_ERR_MALFORMED_XML: { status: 400, title: 'Malformed XML body' },
  SAI_ERR_BAD_REQUEST: { status: 400, title: 'Bad request' },
  SAI_ERR_FLOW_NOT_SUPPORTED: { status: 400, title: 'Flow not supported by this policy' },
  SAI_ERR_UNAUTHORIZED: { status: 401, title: 'Missing or invalid bearer token' },
  SAI_ERR_POLICY_BLOCKED: { status: 403, title: 'Request blocked by policy' },
  SAI_ERR_NOT_FOUND: { status: 404, title: 'Not found' },
  SAI_ERR_POLICY_NOT_FOUND: { status: 404, title: 'Unknown policy or pipeline' },
  SAI_ERR_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  SAI_ERR_PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  SAI_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported content type' },
  SAI_ERR_INPUT_INVALID: { status: 422, title: 'Payload does not match the policy input schema' },
  SAI_ERR_RATE_LIMITED: { status: 429, title: 'Too many requests' },
  SAI_ERR_INTERNAL: { status: 500, title: 'Internal error' },
  SAI_ERR_OUTPUT_INVALID: { status: 500, title: 'Policy produced output that breaks its output schema' },
  SAI_ERR_INVALID_OPTIONS: { status: 500, title: 'Invalid policy options' },
  SAI_ERR_LLM_NOT_CONFIGURED: { status: 503, title: 'No LLM provider configured' },
  SAI_ERR_UNAVAILABLE: { status: 503, title: 'Service unavailable' },
  SAI_ERR_REDACTION_FAILED: { status: 503, title: 'The message could not be checked for personal data' },
  SAI_ERR_POLICY_TIMEOUT: { status: 504, title: 'Policy did not finish in time' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface SaiErrorOptions {
  /** Client-safe explanation. Defaults to the catalogue title. */
  message?: string;
  /** Override the catalogue status (rare: a policy blocking with 429 or 451, say). */
  status?: number;
  /** Details for operators: logged with the request id, never sent to clients. */
  logDetail?: Record<string, unknown>;
  /** Extra members for the problem body (e.g. `line`, `column`). Must be client-safe. */
  extensions?: Record<string, unknown>;
  cause?: unknown;
}

/** An error with a code from {@link ERROR_CATALOGUE}. Its message is safe to show to clients. */
export class SaiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly logDetail: Record<string, unknown> | undefined;
  readonly extensions: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, options: SaiErrorOptions = {}) {
    super(options.message ?? ERROR_CATALOGUE[code].title, { cause: options.cause });
    this.name = 'SaiError';
    this.code = code;
    this.status = options.status ?? ERROR_CATALOGUE[code].status;
    this.logDetail = options.logDetail;
    this.extensions = options.extensions;
  }
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CATALOGUE, code);
}

/**
 * Anything thrown becomes a {@link SaiError}; unknown errors become `SAI_ERR_INTERNAL` with a generic
 * message (the original is kept as `cause` for the logs, never shown to clients).
 */
export function toSaiError(err: unknown): SaiError {
  if (err instanceof SaiError) return err;
  return new SaiError('SAI_ERR_INTERNAL', { cause: err });
}

/** RFC 9457 problem details, as the sidecar sends them (`application/problem+json`). */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
  instance?: string;
  [extension: string]: unknown;
}

export function problemType(code: ErrorCode): string {
  return `urn:synapse-ai:error:${code}`;
}

export function toProblem(err: SaiError, requestId: string, instance?: string): ProblemDetails {
  const problem: ProblemDetails = {
    type: problemType(err.code),
    title: ERROR_CATALOGUE[err.code].title,
    status: err.status,
    detail: err.message,
    code: err.code,
    requestId,
  };
  if (instance !== undefined) problem.instance = instance;
  for (const [k, v] of Object.entries(err.extensions ?? {})) if (!(k in problem)) problem[k] = v;
  return problem;
}
