/**
 * @fileoverview The message a policy sees: the body parsed by content type, the headers and the
 * context the gateway sends with every call.
 */
import {
  decodeUtf8 as decodeUtf8Strict,
  JsonXmlError,
  readXml,
  isValidJson,
  JsonSyntaxError,
  lineColumn,
  parseJson,
  stringifyJson,
  type JsonValue,
  toPlainJson,
} from '@synapse-ai/json-xml';
import { XMLParser } from 'fast-xml-parser';
import { SaiError } from './errors';

/** What the gateway knows about the call, from the `X-*` headers of the sidecar request. */
export interface GatewayContext {
  correlationId: string;
  tenantId?: string;
  userRole?: string;
  /** The authenticated end user, as the gateway knows them. */
  userId?: string;
  /** The subscription tier (throttling policy) the gateway applied to the call. */
  tier?: string;
  apiName?: string;
  apiVersion?: string;
  consumerKey?: string;
  /** The data classification the gateway gave the call (e.g. `confidential`): it routes model calls. */
  dataClass?: string;
  flow: Flow;
}

export type Flow = 'request' | 'response' | 'fault';
export const FLOWS: readonly Flow[] = ['request', 'response', 'fault'];

/** The gateway context headers, by the field they fill. */
export const CONTEXT_HEADERS = {
  correlationId: 'x-correlation-id',
  tenantId: 'x-tenant-id',
  userRole: 'x-user-role',
  userId: 'x-user-id',
  tier: 'x-subscription-tier',
  apiName: 'x-api-name',
  apiVersion: 'x-api-version',
  consumerKey: 'x-consumer-key',
  dataClass: 'x-data-class',
  flow: 'x-flow',
} as const satisfies Record<keyof GatewayContext, string>;

/** The context fields, in the order policies list them (options such as add-context's `fields`). */
export const CONTEXT_FIELDS = [
  'correlationId',
  'tenantId',
  'userRole',
  'userId',
  'tier',
  'apiName',
  'apiVersion',
  'consumerKey',
  'dataClass',
  'flow',
] as const satisfies ReadonlyArray<keyof GatewayContext>;

/** The context fields read as plain header values (the correlation id and the flow are checked apart). */
const HEADER_FIELDS = CONTEXT_FIELDS.filter(
  (f): f is Exclude<(typeof CONTEXT_FIELDS)[number], 'correlationId' | 'flow'> => f !== 'correlationId' && f !== 'flow',
);

export type PayloadKind = 'json' | 'xml' | 'text' | 'empty';

/** An XML body: the exact text, and a parsed view built on first use. */
export class XmlPayload {
  readonly kind = 'xml' as const;
  private parsed: unknown[] | undefined;
  constructor(readonly text: string) {}
  /**
   * The document as fast-xml-parser's ordered tree (`preserveOrder`, attributes under `:@` with
   * prefix `@`). Built once, on first access.
   */
  get document(): unknown[] {
    this.parsed ??= xmlViewParser.parse(this.text) as unknown[];
    return this.parsed;
  }
}

const xmlViewParser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
});

export type Payload =
  | { kind: 'json'; value: JsonValue }
  | { kind: 'xml'; xml: XmlPayload }
  | { kind: 'text'; text: string }
  | { kind: 'empty' };

/** Media type → payload kind; `undefined` when the sidecar does not handle the type. */
export function kindOfMediaType(mediaType: string): Exclude<PayloadKind, 'empty'> | undefined {
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) return 'json';
  if (mediaType === 'application/xml' || mediaType === 'text/xml' || mediaType.endsWith('+xml')) return 'xml';
  if (mediaType.startsWith('text/')) return 'text';
  return undefined;
}

/** `Application/JSON; charset=utf-8` → `{ mediaType: 'application/json', charset: 'utf-8' }`. */
export function parseContentType(header: string | undefined): { mediaType: string; charset?: string } | undefined {
  if (!header) return undefined;
  const [type, ...params] = header.split(';');
  const mediaType = (type ?? '').trim().toLowerCase();
  if (!/^[\w.+-]+\/[\w.+-]+$/.test(mediaType)) return undefined;
  let charset: string | undefined;
  for (const p of params) {
    const [k, v] = p.split('=');
    if (k?.trim().toLowerCase() === 'charset' && v) charset = v.trim().replace(/^"|"$/g, '').toLowerCase();
  }
  return charset === undefined ? { mediaType } : { mediaType, charset };
}

export interface ParseLimits {
  /** Deepest JSON nesting (default 512). */
  maxDepth?: number;
}

/** Decodes a body as UTF-8, refusing invalid byte sequences instead of producing replacement characters. */
export function decodeUtf8(raw: Uint8Array): string {
  try {
    return decodeUtf8Strict(raw);
  } catch (err) {
    throw new SaiError('SAI_ERR_BAD_REQUEST', {
      message: `${(err as Error).message.replace('The input', 'The body')} Send UTF-8.`,
    });
  }
}

/**
 * Parses a body as its content type says.
 * @throws {SaiError} `SAI_ERR_MALFORMED_JSON` / `SAI_ERR_MALFORMED_XML` with line and column,
 * `SAI_ERR_UNSUPPORTED_MEDIA_TYPE` for types the sidecar does not handle.
 */
export function parsePayload(raw: Uint8Array, contentType: string | undefined, limits: ParseLimits = {}): Payload {
  const ct = parseContentType(contentType);
  if (raw.length === 0 && (ct === undefined || ct.mediaType !== 'application/json')) return { kind: 'empty' };
  if (!ct) {
    throw new SaiError('SAI_ERR_UNSUPPORTED_MEDIA_TYPE', {
      message: contentType
        ? `Content-Type '${contentType.slice(0, 80)}' is not a valid media type. Send application/json, application/xml or text/*.`
        : 'The request has a body but no Content-Type. Send application/json, application/xml or text/*.',
    });
  }
  const kind = kindOfMediaType(ct.mediaType);
  if (!kind) {
    throw new SaiError('SAI_ERR_UNSUPPORTED_MEDIA_TYPE', {
      message: `Content-Type '${ct.mediaType}' is not supported. Send application/json (or +json), application/xml, text/xml (or +xml) or text/*.`,
    });
  }
  if (ct.charset && ct.charset !== 'utf-8' && ct.charset !== 'utf8' && !(ct.charset === 'us-ascii' && isAscii(raw))) {
    throw new SaiError('SAI_ERR_UNSUPPORTED_MEDIA_TYPE', {
      message: `charset '${ct.charset}' is not supported. Send the body as UTF-8.`,
    });
  }
  const text = decodeUtf8(raw);
  return parsePayloadText(text, kind, limits);
}

function isAscii(raw: Uint8Array): boolean {
  for (const b of raw) if (b > 0x7f) return false;
  return true;
}

function malformedJson(err: JsonSyntaxError): SaiError {
  return new SaiError('SAI_ERR_MALFORMED_JSON', {
    message: err.message,
    extensions: { line: err.line, column: err.column, position: err.position },
  });
}

/**
 * A JSON body, validated up front and parsed losslessly on first access of `value`: policies that
 * only look at headers, or pass the body on, never pay for the tree.
 */
class LazyJsonPayload {
  readonly kind = 'json' as const;
  private tree: JsonValue | undefined;
  private parsed = false;
  constructor(
    /** The JSON text exactly as received (or as a converter wrote it); sent on when the body is unchanged. */
    readonly text: string,
    private readonly maxDepth: number,
  ) {}
  get value(): JsonValue {
    if (!this.parsed) {
      this.tree = parseJson(this.text, { maxDepth: this.maxDepth });
      this.parsed = true;
    }
    return this.tree as JsonValue;
  }
  private plainTree: unknown;
  /** The body as plain values (the platform parser: numbers as doubles); for reading only. */
  get plain(): unknown {
    if (this.plainTree === undefined)
      this.plainTree = this.parsed ? toPlainJson(this.tree as JsonValue) : JSON.parse(this.text);
    return this.plainTree;
  }
}

/**
 * A JSON body as plain JavaScript values (numbers as doubles), for policies that only read it:
 * cheaper than the lossless tree of `payload.value`, which keeps number text for writing.
 */
export function plainJson(payload: { readonly kind: string; readonly value?: unknown }): unknown {
  if (payload.kind !== 'json') return undefined;
  return payload instanceof LazyJsonPayload ? payload.plain : toPlainJson(payload.value as JsonValue);
}

/**
 * A JSON payload from text a policy produced (a converter's output, say), kept as that text.
 * @throws {SaiError} SAI_ERR_INTERNAL when the text is not JSON (a policy bug).
 */
export function jsonPayloadFromText(text: string, maxDepth = 512): Payload {
  if (!isValidJson(text, maxDepth)) {
    throw new SaiError('SAI_ERR_INTERNAL', { logDetail: { reason: 'policy produced text that is not JSON' } });
  }
  return new LazyJsonPayload(text, maxDepth) as Payload;
}

/**
 * A JSON payload from text a serializer guarantees to be JSON (see `ContinueResult.wellFormed`):
 * not checked again.
 * @internal for the runtime
 */
export function wellFormedJsonPayload(text: string, maxDepth = 512): Payload {
  return new LazyJsonPayload(text, maxDepth) as Payload;
}

function parseJsonPayload(text: string, maxDepth: number): Payload {
  // the allocation-free check decides; the full parser runs only to explain an error (with line and
  // column) or, lazily, to build the lossless tree
  if (isValidJson(text, maxDepth)) return new LazyJsonPayload(text, maxDepth) as Payload;
  try {
    return { kind: 'json', value: parseJson(text, { maxDepth }) };
  } catch (err) {
    if (err instanceof JsonSyntaxError) throw malformedJson(err);
    throw err;
  }
}

/** Parses already-decoded text as the given kind. */
export function parsePayloadText(text: string, kind: Exclude<PayloadKind, 'empty'>, limits: ParseLimits = {}): Payload {
  switch (kind) {
    case 'json':
      return parseJsonPayload(text, limits.maxDepth ?? 512);
    case 'xml':
      checkXml(text);
      return { kind, xml: new XmlPayload(text) };
    case 'text':
      return { kind, text };
  }
}

const XML_NO_OP = { startElement() {}, endElement() {}, text() {}, processingInstruction() {} };

/**
 * Well-formedness check for XML bodies. DOCTYPE declarations are refused outright: no DTDs, no entity
 * expansion, no external entities.
 */
export function checkXml(text: string): void {
  const doctype = /<!DOCTYPE/i.exec(text);
  if (doctype) {
    const { line, column } = lineColumn(text, doctype.index);
    throw new SaiError('SAI_ERR_MALFORMED_XML', {
      message: `Malformed XML at line ${line}, column ${column}: DOCTYPE declarations are not accepted (no DTDs or entity declarations). Remove the DOCTYPE.`,
      extensions: { line, column },
    });
  }
  // the converter's strict reader: predefined entities only, namespace prefixes declared, positions in errors
  try {
    readXml(text, XML_NO_OP);
  } catch (err) {
    if (!(err instanceof JsonXmlError)) throw err;
    throw new SaiError('SAI_ERR_MALFORMED_XML', {
      message: err.message,
      extensions: err.line === undefined ? undefined : { line: err.line, column: err.column },
    });
  }
}

/** Serializes a payload back to the text sent on the wire. */
export function serializePayload(payload: Payload): string {
  switch (payload.kind) {
    case 'json':
      return payload instanceof LazyJsonPayload ? payload.text : stringifyJson(payload.value);
    case 'xml':
      return payload.xml.text;
    case 'text':
      return payload.text;
    case 'empty':
      return '';
  }
}

/** The message a policy handles. */
export interface Message<P = Payload> {
  /** The body as parsed from its content type. */
  readonly payload: P;
  /** Media type of the body (`application/json`), or `undefined` for an empty body. */
  readonly contentType: string | undefined;
  /** Request headers, lower-case names. Authorization is never included. */
  readonly headers: Readonly<Record<string, string>>;
  readonly context: Readonly<GatewayContext>;
}

const CORRELATION_ID_RE = /^[\w.:@/+=-]{1,128}$/;

/** The gateway's `X-Correlation-ID` when it is usable in logs and headers, else `newId()`. */
export function correlationIdFrom(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  newId: () => string,
): string {
  const v = headers[CONTEXT_HEADERS.correlationId];
  return typeof v === 'string' && CORRELATION_ID_RE.test(v) ? v : newId();
}

/**
 * Reads the gateway context from request headers (lower-case names). A missing or unusable
 * correlation id is replaced by `newId()`; a missing `X-Flow` means `request`.
 * @throws {SaiError} SAI_ERR_BAD_REQUEST when `X-Flow` names no flow.
 */
export function contextFromHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  newId: () => string,
): GatewayContext {
  const one = (name: string): string | undefined => {
    const v = headers[name];
    const s = Array.isArray(v) ? v[0] : v;
    return s === undefined || s === '' ? undefined : s.slice(0, 256);
  };
  const flowHeader = one(CONTEXT_HEADERS.flow)?.toLowerCase() ?? 'request';
  if (!FLOWS.includes(flowHeader as Flow)) {
    throw new SaiError('SAI_ERR_BAD_REQUEST', {
      message: `X-Flow must be one of ${FLOWS.join(', ')} (got '${flowHeader.slice(0, 40)}').`,
    });
  }
  const context: GatewayContext = {
    correlationId: correlationIdFrom(headers, newId),
    flow: flowHeader as Flow,
  };
  for (const key of HEADER_FIELDS) {
    const v = one(CONTEXT_HEADERS[key]);
    if (v !== undefined) context[key] = v;
  }
  return context;
}
