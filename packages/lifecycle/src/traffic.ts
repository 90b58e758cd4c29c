/**
 * @fileoverview Observed API calls from HTTP Archive (HAR 1.2) captures and WSO2 analytics events,
 * in one shape for inference and drift checks.
 *
 * HAR: `log.entries[].request` (`method`, `url`, `postData.mimeType`, `postData.text`) and
 * `.response` (`status`, `content.mimeType`, `content.text`, base64 when `content.encoding` says so).
 * WSO2 analytics events (the API Manager's analytics publisher, one JSON object per line or an
 * array): `apiMethod` (or `requestMethod`), `apiResourceTemplate` (the template the gateway matched,
 * e.g. `/orders/{id}`) or `destination`/`requestPath`, `apiContext`, `targetResponseCode` (or
 * `proxyResponseCode`), `apiName`, `apiVersion`. Events carry no bodies: they add operations and
 * statuses, not schemas.
 */

export interface Observation {
  method: string;
  /** The path without the query, as seen (`/orders/123`) or as templated by the gateway. */
  path: string;
  /** Whether `path` is already a template (from an analytics event's resource template). */
  templated: boolean;
  query: Record<string, string[]>;
  status: number;
  request?: { mediaType: string; body?: unknown };
  response?: { mediaType: string; body?: unknown };
  /** Server base (scheme://host) when known. */
  server?: string;
}

export class TrafficError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrafficError';
  }
}

const mediaTypeOf = (mime: string | undefined): string => (mime ?? '').split(';')[0]!.trim().toLowerCase();

function parseBody(mediaType: string, text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Reads a HAR 1.2 document. @throws {TrafficError} naming what is missing and where */
export function readHar(text: string, source = 'HAR'): Observation[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new TrafficError(`${source} is not JSON (${(err as Error).message}). Export the capture as HAR 1.2.`);
  }
  const entries = (doc as { log?: { entries?: unknown } })?.log?.entries;
  if (!Array.isArray(entries))
    throw new TrafficError(`${source} has no log.entries: it is not a HAR 1.2 capture (browser "Save all as HAR").`);
  const out: Observation[] = [];
  entries.forEach((e, i) => {
    const where = `${source}: log.entries[${i}]`;
    const req = (e as { request?: Record<string, unknown> }).request;
    const res = (e as { response?: Record<string, unknown> }).response;
    if (!req || typeof req.url !== 'string' || typeof req.method !== 'string')
      throw new TrafficError(`${where}.request needs a method and a url.`);
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      throw new TrafficError(`${where}.request.url ${JSON.stringify(req.url)} is not an absolute URL.`);
    }
    const query: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
    const post = req.postData as { mimeType?: string; text?: string } | undefined;
    const content = res?.content as { mimeType?: string; text?: string; encoding?: string } | undefined;
    const resText =
      content?.text !== undefined && content.encoding === 'base64'
        ? Buffer.from(content.text, 'base64').toString('utf8')
        : content?.text;
    const status = Number(res?.status ?? 0);
    const o: Observation = {
      method: req.method.toUpperCase(),
      path: decodeURI(url.pathname),
      templated: false,
      query,
      status,
      server: `${url.protocol}//${url.host}`,
    };
    if (post?.mimeType || post?.text) {
      const mediaType = mediaTypeOf(post.mimeType) || 'application/octet-stream';
      o.request = { mediaType, body: parseBody(mediaType, post.text) };
    }
    if (content && (content.mimeType || resText) && status !== 204 && status !== 304) {
      const mediaType = mediaTypeOf(content.mimeType);
      if (mediaType !== '') o.response = { mediaType, body: parseBody(mediaType, resText) };
    }
    out.push(o);
  });
  return out;
}

/** Reads WSO2 analytics events (JSON lines or a JSON array). @throws {TrafficError} */
export function readAnalytics(text: string, source = 'analytics'): Observation[] {
  const trimmed = text.trim();
  let events: unknown[];
  try {
    events = trimmed.startsWith('[')
      ? (JSON.parse(trimmed) as unknown[])
      : trimmed
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as unknown);
  } catch (err) {
    throw new TrafficError(`${source}: events must be JSON lines or a JSON array (${(err as Error).message}).`);
  }
  return events.map((ev, i) => {
    const e = ev as Record<string, unknown>;
    const method = String(e.apiMethod ?? e.requestMethod ?? '').toUpperCase();
    const template = e.apiResourceTemplate as string | undefined;
    const path = (template ?? (e.destination as string | undefined) ?? (e.requestPath as string | undefined)) as
      string | undefined;
    const status = Number(e.targetResponseCode ?? e.proxyResponseCode ?? 0);
    if (!method || !path)
      throw new TrafficError(
        `${source}: event ${i + 1} needs apiMethod and apiResourceTemplate (or requestPath); it has ${Object.keys(e).join(', ') || 'no fields'}.`,
      );
    let p = path.startsWith('http') ? new URL(path).pathname : path.split('?')[0]!;
    const context = e.apiContext as string | undefined;
    // the resource template is relative to the API's context; strip the context and version from full paths
    if (!template && context && p.startsWith(context)) p = p.slice(context.length) || '/';
    return { method, path: p.startsWith('/') ? p : `/${p}`, templated: template !== undefined, query: {}, status };
  });
}
