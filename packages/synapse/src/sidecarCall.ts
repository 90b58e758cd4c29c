/**
 * @fileoverview The mediator list every target shares: calling the sidecar and acting on its
 * answer. Built from the model only.
 *
 * Why it looks the way it does (each point observed on the real Synapse engine in
 * `../shared/synapse-engine`, and proven by `__tests__/engine*.test.ts`):
 *
 * - A blocking `call` that fails (timeout, refused connection, or an HTTP status Axis2's sender
 *   treats as an error) never resumes the flow after the `call`: a fault handler runs instead, the
 *   body is the request, and a default endpoint is suspended for 30 s. So the call runs inside a
 *   `<clone continueParent="true" sequential="true">`: the copy makes the call, the original message
 *   continues after the clone whatever happened to the copy. The endpoint's `responseAction` is
 *   `discard` (a failed call runs no fault handler) and suspension is off.
 * - The sidecar answers this caller with HTTP 200 always (the gateway contract, `X-Sai-Contract:
 *   gateway-1`, see `@synapse-ai/sdk`), with the real status and the decision in headers, which the
 *   copy reads (`BLOCKING_SENDER_PRESERVE_REQ_HEADERS=false`) and hands to the original through
 *   `operation`-scope properties, with the answer body as a string. The original message is changed
 *   only by the decision: allow leaves it untouched (its bytes, headers, `REST_URL_POSTFIX` and
 *   status); modified replaces the body; block answers the client; no answer fails open or closed.
 * - The copy sends only the headers the sidecar needs: its transport headers are cleared first, and
 *   the identity headers come from the gateway's own context, never from the client.
 */
import { ERROR_CATALOGUE, GATEWAY_CONTRACT, GATEWAY_HEADERS, problemType } from '@synapse-ai/sdk';
import type { CallMediator, Mediator, PropertyMediator } from './model';

/** Message-context properties the fragments set and read. */
export const PROP = {
  policy: 'sai.policy',
  failOpen: 'sai.failOpen',
  flow: 'sai.flow',
  /** `HTTP_SC` when the fragment started (the backend's status in the response flow). */
  entryStatus: 'sai.entryStatus',
  /** Overrides of the sidecar URL (MI), e.g. in unit tests. */
  sidecarUrl: 'sai.sidecarUrl',
  /** Temporary: the parsed XML answer. */
  answerXml: 'sai.r.xml',
} as const;

/** What the copy hands to the original message (`scope="operation"`). */
export const ANSWER = {
  status: 'sai.r.status',
  bodyKind: 'sai.r.bodyKind',
  mediaType: 'sai.r.type',
  body: 'sai.r.body',
  retryAfter: 'sai.r.retryAfter',
  faultStatus: 'sai.r.faultStatus',
} as const;

/**
 * Identity the sidecar receives, by header. Each value comes from a default-scope property an
 * earlier mediator set (`sai.id.<field>`, the way to supply it on MI and for role/tier on API
 * Manager), else from the product's authenticated context. Client headers are never read.
 */
export const IDENTITY: ReadonlyArray<{ header: string; field: string; apim?: string; mi?: string }> = [
  { header: 'X-Tenant-ID', field: 'tenant', apim: '$ctx:tenant.info.domain', mi: '$ctx:tenant.info.domain' },
  { header: 'X-User-ID', field: 'user', apim: '$ctx:api.ut.userName' },
  { header: 'X-User-Role', field: 'role' },
  { header: 'X-Consumer-Key', field: 'application', apim: '$ctx:api.ut.consumerKey' },
  { header: 'X-Subscription-Tier', field: 'tier' },
  { header: 'X-Api-Name', field: 'api', apim: '$ctx:api.ut.api', mi: '$ctx:SYNAPSE_REST_API' },
  { header: 'X-Api-Version', field: 'apiVersion', apim: '$ctx:api.ut.version', mi: '$ctx:SYNAPSE_REST_API_VERSION' },
  { header: 'X-Data-Class', field: 'dataClass' },
];

/** Which product's message-context properties carry the gateway context. */
export type Product = 'apim' | 'mi';

export interface SidecarCallSettings {
  /** The sidecar route: a policy or pipeline name (`/v1/policies/{route}`). */
  route: string;
  product: Product;
  /** Mediators the copy runs before the call (e.g. the sidecar URL for the endpoint). */
  endpointSetup: readonly Mediator[];
  endpoint: CallMediator['endpoint'];
  /** How the `Authorization` header value is given; `null` sends none. */
  authorization: { value: string } | { expression: string } | null;
  /** How `sai.failOpen` is set; `null` leaves it to the caller (absent means fail closed). */
  failOpen: { value: string } | { expression: string } | null;
  /** A facade: in the request flow the (modified) answer goes to the client, not to the backend. */
  answersClient?: boolean;
}

const TRUE_RE = '[Tt][Rr][Uu][Ee]';
/**
 * Sidecar statuses that are a policy's decision about the message and go to the client: every 4xx
 * except 401, 404 and 405, which mean the gateway and the sidecar are set up wrongly (bad token,
 * unknown policy) and are treated as the sidecar being unavailable.
 */
export const BLOCK_STATUS_RE = '400|40[236-9]|4[1-9][0-9]';
const ANY_RE = '.+';
const op = (name: string): string => `get-property('operation','${name}')`;

const set = (name: string, value: string, scope?: PropertyMediator['scope']): Mediator => ({
  kind: 'property',
  name,
  scope,
  value,
});
const copy = (name: string, expression: string, scope?: PropertyMediator['scope']): Mediator => ({
  kind: 'property',
  name,
  scope,
  expression,
});
const remove = (name: string, scope?: PropertyMediator['scope']): Mediator => ({
  kind: 'property',
  name,
  scope,
  action: 'remove',
});
const when = (source: string, regex: string, then: readonly Mediator[], otherwise?: readonly Mediator[]): Mediator => ({
  kind: 'filter',
  source,
  regex,
  then,
  ...(otherwise ? { else: otherwise } : {}),
});
/** Sets a transport header from an expression only when the expression has a value. */
const headerIfSet = (header: string, expression: string): Mediator =>
  when(expression, ANY_RE, [copy(header, expression, 'transport')]);

/** Makes the current message the answer to the client and sends it (as WSO2's own fault sequences do). */
function respondToClient(): Mediator[] {
  return [
    { kind: 'comment', text: 'Answer the client: no request or backend header goes back with it.' },
    remove('TRANSPORT_HEADERS', 'axis2'),
    set('RESPONSE', 'true'),
    { kind: 'header', name: 'To', action: 'remove' },
    remove('NO_ENTITY_BODY', 'axis2'),
    { kind: 'respond' },
  ];
}

const setMediaType = (expression: string): Mediator[] => [
  copy('messageType', expression, 'axis2'),
  copy('ContentType', expression, 'axis2'),
];

/** The fail-closed answer: 503 with a problem body that names no internals. */
export function answerUnavailable(): Mediator[] {
  const problem = {
    type: problemType('SAI_ERR_UNAVAILABLE'),
    title: ERROR_CATALOGUE.SAI_ERR_UNAVAILABLE.title,
    status: 503,
    detail: 'The request could not be processed right now. Try again later.',
    code: 'SAI_ERR_UNAVAILABLE',
  };
  return [
    { kind: 'comment', text: 'Fail closed: answer 503 without the message.' },
    { kind: 'payloadFactory', mediaType: 'json', format: JSON.stringify(problem), args: [] },
    set('HTTP_SC', '503', 'axis2'),
    set('messageType', 'application/json', 'axis2'),
    set('ContentType', 'application/json', 'axis2'),
    ...respondToClient(),
  ];
}

/** No usable answer (timeout, refused, 5xx, 401/404/405, an answer without the contract). */
function unavailable(): Mediator[] {
  return [
    {
      kind: 'log',
      level: 'custom',
      category: 'WARN',
      properties: [
        { name: 'synapse-ai', value: 'no usable answer from the sidecar' },
        { name: 'policy', expression: `$ctx:${PROP.policy}` },
        { name: 'status', expression: op(ANSWER.status) },
        { name: 'failOpen', expression: `$ctx:${PROP.failOpen}` },
      ],
    },
    when(
      `$ctx:${PROP.failOpen}`,
      TRUE_RE,
      [{ kind: 'comment', text: 'Fail open: the message continues as it was (the call changed nothing).' }],
      answerUnavailable(),
    ),
  ];
}

/** A policy's block: the sidecar's status and problem body go to the client. */
function block(): Mediator[] {
  return [
    { kind: 'comment', text: 'A policy blocked the message: answer the client with the sidecar problem.' },
    copy('HTTP_SC', op(ANSWER.status), 'axis2'),
    {
      kind: 'payloadFactory',
      mediaType: 'json',
      format: '$1',
      args: [{ evaluator: 'xml', expression: op(ANSWER.body) }],
    },
    set('messageType', 'application/json', 'axis2'),
    set('ContentType', 'application/json', 'axis2'),
    remove('TRANSPORT_HEADERS', 'axis2'),
    when(op(ANSWER.retryAfter), '[0-9]+', [copy('Retry-After', op(ANSWER.retryAfter), 'transport')]),
    set('RESPONSE', 'true'),
    { kind: 'header', name: 'To', action: 'remove' },
    remove('NO_ENTITY_BODY', 'axis2'),
    { kind: 'respond' },
  ];
}

/** Replaces the body with the sidecar's, by how the answer travelled (`X-Sai-Body`). */
function replaceBody(): Mediator {
  const typed = (...body: Mediator[]): Mediator[] => [...body, ...setMediaType(op(ANSWER.mediaType))];
  const parsed: Mediator = { kind: 'property', name: PROP.answerXml, type: 'OM', expression: op(ANSWER.body) };
  return {
    kind: 'switch',
    source: op(ANSWER.bodyKind),
    cases: [
      { regex: 'none', body: [{ kind: 'comment', text: 'allow: the message stays as it is, byte for byte.' }] },
      {
        regex: 'json',
        body: typed({
          kind: 'payloadFactory',
          mediaType: 'json',
          format: '$1',
          args: [{ evaluator: 'xml', expression: op(ANSWER.body) }],
        }),
      },
      {
        regex: 'xml',
        body: typed(
          parsed,
          {
            kind: 'enrich',
            source: { type: 'property', property: PROP.answerXml, clone: false },
            target: { type: 'body' },
          },
          remove(PROP.answerXml),
        ),
      },
      {
        regex: 'soap',
        body: typed(
          parsed,
          {
            kind: 'enrich',
            source: { type: 'custom', xpath: `$ctx:${PROP.answerXml}/*[local-name()='Body']/*[1]`, clone: true },
            target: { type: 'body' },
          },
          remove(PROP.answerXml),
        ),
      },
      {
        regex: 'text',
        body: typed({
          kind: 'payloadFactory',
          mediaType: 'text',
          format: '$1',
          args: [{ evaluator: 'xml', expression: op(ANSWER.body) }],
        }),
      },
    ],
    default: unavailable(),
  };
}

/** In the fault flow the client gets the fault's status (or the policy's), never 200. */
function faultStatus(): Mediator {
  return when(`$ctx:${PROP.flow}`, 'fault', [
    when(
      `$ctx:${PROP.entryStatus}`,
      '[45][0-9][0-9]',
      [copy('HTTP_SC', `$ctx:${PROP.entryStatus}`, 'axis2')],
      [
        when(
          op(ANSWER.faultStatus),
          '[45][0-9][0-9]',
          [copy('HTTP_SC', op(ANSWER.faultStatus), 'axis2')],
          [set('HTTP_SC', '500', 'axis2')],
        ),
      ],
    ),
  ]);
}

/** The copy: only the headers the sidecar needs, the call, and the answer handed over. */
function callInCopy(s: SidecarCallSettings): Mediator[] {
  const identity: Mediator[] = [];
  for (const id of IDENTITY) {
    const prop = `sai.id.${id.field}`;
    const fallback = s.product === 'apim' ? id.apim : id.mi;
    const value = `sai.c.${id.field}`;
    if (fallback) identity.push(copy(value, fallback));
    identity.push(when(`$ctx:${prop}`, ANY_RE, [copy(value, `$ctx:${prop}`)]));
    identity.push(headerIfSet(id.header, `$ctx:${value}`));
  }
  const correlation =
    s.product === 'apim'
      ? [
          copy('sai.c.correlation', "get-property('MessageID')"),
          when('$trp:activityid', ANY_RE, [copy('sai.c.correlation', '$trp:activityid')]),
          when('$ctx:am.correlationID', ANY_RE, [copy('sai.c.correlation', '$ctx:am.correlationID')]),
        ]
      : [copy('sai.c.correlation', "get-property('MessageID')")];
  const auth: Mediator[] = s.authorization
    ? [
        'value' in s.authorization
          ? set('Authorization', s.authorization.value, 'transport')
          : copy('Authorization', s.authorization.expression, 'transport'),
      ]
    : [];
  return [
    ...correlation,
    { kind: 'comment', text: 'Send the sidecar only what it needs: none of the client headers.' },
    remove('TRANSPORT_HEADERS', 'axis2'),
    ...auth,
    set('X-Sai-Contract', GATEWAY_CONTRACT, 'transport'),
    copy('X-Flow', `$ctx:${PROP.flow}`, 'transport'),
    copy('X-Correlation-ID', '$ctx:sai.c.correlation', 'transport'),
    ...identity,
    when(`$ctx:${PROP.flow}`, 'fault', [
      headerIfSet('X-Error-Code', '$ctx:ERROR_CODE'),
      headerIfSet('X-Error-Message', '$ctx:ERROR_MESSAGE'),
      headerIfSet('X-Http-Status', `$ctx:${PROP.entryStatus}`),
    ]),
    remove('REST_URL_POSTFIX', 'axis2'),
    remove('HTTP_SC', 'axis2'),
    set('BLOCKING_SENDER_PRESERVE_REQ_HEADERS', 'false'),
    ...s.endpointSetup,
    { kind: 'call', endpoint: s.endpoint },
    { kind: 'comment', text: 'Hand the answer to the original message.' },
    copy(ANSWER.status, `$trp:${GATEWAY_HEADERS.status}`, 'operation'),
    copy(ANSWER.bodyKind, `$trp:${GATEWAY_HEADERS.body}`, 'operation'),
    copy(ANSWER.mediaType, `$trp:${GATEWAY_HEADERS.contentType}`, 'operation'),
    copy(ANSWER.retryAfter, '$trp:Retry-After', 'operation'),
    copy(ANSWER.faultStatus, `$trp:${GATEWAY_HEADERS.faultStatus}`, 'operation'),
    {
      kind: 'switch',
      source: `$trp:${GATEWAY_HEADERS.body}`,
      cases: [
        { regex: 'json', body: [copy(ANSWER.body, 'json-eval($)', 'operation')] },
        { regex: 'xml|soap|text', body: [copy(ANSWER.body, 'string($body/*[1])', 'operation')] },
      ],
    },
  ];
}

/**
 * Calls the sidecar with the current message and acts on its decision: allow continues untouched,
 * modified continues with the sidecar's body (a facade answers the client with it), block answers
 * the client with the sidecar's problem, and no usable answer fails open (the message continues) or
 * closed (503).
 */
export function sidecarCall(s: SidecarCallSettings): Mediator[] {
  const out: Mediator[] = [set(PROP.policy, s.route)];
  if (s.failOpen) {
    out.push('value' in s.failOpen ? set(PROP.failOpen, s.failOpen.value) : copy(PROP.failOpen, s.failOpen.expression));
  }
  out.push(
    copy(PROP.entryStatus, '$axis2:HTTP_SC'),
    set(PROP.flow, 'request'),
    when(`$ctx:${PROP.entryStatus}`, '[1-5][0-9][0-9]', [set(PROP.flow, 'response')]),
    when('$ctx:ERROR_CODE', ANY_RE, [set(PROP.flow, 'fault')]),
    ...Object.values(ANSWER).map((name) => remove(name, 'operation')),
    { kind: 'clone', target: callInCopy(s) },
    {
      kind: 'switch',
      source: op(ANSWER.status),
      cases: [
        {
          regex: '2[0-9][0-9]',
          body: [
            replaceBody(),
            faultStatus(),
            ...(s.answersClient
              ? [when(`$ctx:${PROP.flow}`, 'request', [set('HTTP_SC', '200', 'axis2'), ...respondToClient()])]
              : []),
          ],
        },
        { regex: BLOCK_STATUS_RE, body: block() },
      ],
      default: unavailable(),
    },
  );
  return out;
}
