/**
 * @fileoverview The gateway contract: how the sidecar answers the Synapse artefacts that
 * `synapse-ai generate` writes, so that Axis2's blocking sender never turns a decision into a fault.
 *
 * Observed on a real Synapse engine (`../shared/synapse-engine`): a blocking `call` whose answer is
 * 401, 403, 404, 422, 429, 502 or 503 raises a fault (the body is then the request, and the endpoint
 * is suspended for 30 s), and an answer whose content type has no Axis2 message builder
 * (`application/problem+json`) fails to build. So a caller that sends
 * `X-Sai-Contract: gateway-1` gets every answer as **HTTP 200**, with
 *
 * - `X-Sai-Status`: the status the plain HTTP API would have answered (200, 403, 429, 503 …);
 * - `X-Policy-Decision`: `allow`, `modified` or `block` (with notes, as for every caller);
 * - `X-Sai-Body`: what the body holds — `none` (allow: the gateway keeps its own message, byte for
 *   byte), `json`, `xml`, `soap` (a whole SOAP envelope; the gateway takes its Body), `text`;
 * - `X-Sai-Content-Type`: the media type the gateway sets as `messageType` (`application/json`,
 *   `application/xml`, `text/xml`, `application/soap+xml`, `text/plain`).
 *
 * JSON bodies (answers and problems) go as `application/json`. XML and text bodies go as
 * `text/plain; charset=utf-8`: the gateway reads them as one string and parses XML itself, which
 * keeps namespaces and needs no XML builder on the sidecar's answer.
 *
 * Other callers are not affected: statuses and `application/problem+json` as documented.
 */

export const GATEWAY_CONTRACT_HEADER = 'x-sai-contract';
export const GATEWAY_CONTRACT = 'gateway-1';

/** Response headers of the gateway contract (wire spelling). */
export const GATEWAY_HEADERS = {
  status: 'X-Sai-Status',
  body: 'X-Sai-Body',
  contentType: 'X-Sai-Content-Type',
  /** The status a fault-flow answer reaches the client with when the gateway has none (explain-fault sets it). */
  faultStatus: 'X-Fault-Status',
} as const;

export type GatewayBodyKind = 'none' | 'json' | 'xml' | 'soap' | 'text';

/** True when the request asks for the gateway contract. */
export function wantsGatewayContract(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  const v = headers[GATEWAY_CONTRACT_HEADER];
  return (Array.isArray(v) ? v[0] : v)?.trim().toLowerCase() === GATEWAY_CONTRACT;
}

const SOAP_NAMESPACES: Readonly<Record<string, '1.1' | '1.2'>> = {
  'http://schemas.xmlsoap.org/soap/envelope/': '1.1',
  'http://www.w3.org/2003/05/soap-envelope': '1.2',
};

/**
 * The SOAP version when an XML document's root element is a SOAP 1.1 or 1.2 `Envelope` (its local
 * name is `Envelope` and its prefix, or the default namespace, is bound to a SOAP namespace on the
 * root), else `undefined`. Linear in the length of the root's start tag.
 */
export function soapVersion(xml: string): '1.1' | '1.2' | undefined {
  let i = 0;
  const n = xml.length;
  // skip the prolog: declaration, comments, processing instructions, doctype, white space
  while (i < n) {
    const lt = xml.indexOf('<', i);
    if (lt === -1) return undefined;
    const next = xml.charCodeAt(lt + 1);
    if (next === 0x3f /* ? */) {
      const end = xml.indexOf('?>', lt + 2);
      if (end === -1) return undefined;
      i = end + 2;
    } else if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt + 4);
      if (end === -1) return undefined;
      i = end + 3;
    } else if (next === 0x21 /* ! */) {
      const end = xml.indexOf('>', lt + 2);
      if (end === -1) return undefined;
      i = end + 1;
    } else {
      i = lt;
      break;
    }
  }
  const m = /^<([A-Za-z_][\w.-]*:)?Envelope[\s/>]/.exec(xml.slice(i, i + 300));
  if (!m) return undefined;
  const end = xml.indexOf('>', i);
  if (end === -1) return undefined;
  const tag = xml.slice(i, end);
  const prefix = m[1] === undefined ? '' : m[1].slice(0, -1);
  const attr = prefix === '' ? 'xmlns' : `xmlns:${prefix}`;
  const decl = new RegExp(`\\s${attr.replaceAll('.', '\\.')}\\s*=\\s*(["'])([^"']*)\\1`).exec(tag);
  return decl === null ? undefined : SOAP_NAMESPACES[decl[2]!];
}
