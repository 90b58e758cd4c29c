/**
 * @fileoverview The mediator lists every target shares: calling the sidecar, and handling a
 * sidecar fault. Built from the model only.
 *
 * How a blocking `call` behaves in Synapse decides the shape (wso2-synapse `CallMediator`,
 * `BlockingMsgSender`): a 2xx answer replaces the message body and mediation goes on after the
 * call; some error statuses come back the same way with `HTTP_SC` set; a timeout, a refused
 * connection and the other error statuses raise a fault, and mediation does **not** continue after
 * the call: the innermost fault handler (the sequence's `onError`, or the API's fault flow) runs
 * instead. So the fragment handles the answers that return, and {@link sidecarFaultHandler} (shipped
 * as an APIM fault-flow policy, an MI error sequence and an APIM 3.x fault sequence) handles faults.
 */
import { ERROR_CATALOGUE, problemType } from '@synapse-ai/sdk';
import type { CallMediator, Mediator, PropertyMediator } from './model';

/** Message-context properties the fragments and the fault handler share. */
export const PROP = {
  policy: 'sai.policy',
  inflight: 'sai.inflight',
  failOpen: 'sai.failOpen',
  flow: 'sai.flow',
  status: 'sai.status',
  savedBody: 'sai.saved.body',
  savedMessageType: 'sai.saved.messageType',
  savedContentType: 'sai.saved.contentType',
  savedPostfix: 'sai.saved.postfix',
  savedStatus: 'sai.saved.status',
  savedAuthorization: 'sai.saved.authorization',
  savedAccept: 'sai.saved.accept',
} as const;

/** Which product's message-context properties carry the gateway context. */
export type Product = 'apim' | 'mi';

const CONTEXT_EXPRESSIONS: Record<Product, ReadonlyArray<readonly [string, string]>> = {
  apim: [
    ['X-Correlation-ID', '$trp:activityid'],
    ['X-Tenant-ID', '$ctx:tenant.info.domain'],
    ['X-Api-Name', '$ctx:api.ut.api'],
    ['X-Api-Version', '$ctx:api.ut.version'],
    ['X-Consumer-Key', '$ctx:api.ut.consumerKey'],
  ],
  mi: [
    ['X-Correlation-ID', "get-property('MessageID')"],
    ['X-Api-Name', '$ctx:SYNAPSE_REST_API'],
    ['X-Api-Version', '$ctx:SYNAPSE_REST_API_VERSION'],
  ],
};

export interface SidecarCallSettings {
  /** The sidecar route: a policy or pipeline name (`/v1/policies/{route}`). */
  route: string;
  product: Product;
  /** Mediators that prepare the endpoint (e.g. set `uri.var.saiSidecar`). */
  endpointSetup: readonly Mediator[];
  endpoint: CallMediator['endpoint'];
  /** How the `Authorization` header value is given; `null` sends none. */
  authorization: { value: string } | { expression: string } | null;
  /** How `sai.failOpen` is set; `null` leaves it to the caller (absent means fail closed). */
  failOpen: { value: string } | { expression: string } | null;
  /** The body kind the route always answers with, when it changes it (`json-to-xml` gives xml). */
  produces?: 'json' | 'xml' | 'text';
}

const MEDIA: Record<'json' | 'xml' | 'text', string> = {
  json: 'application/json',
  xml: 'application/xml',
  text: 'text/plain',
};

const TRUE_RE = '[Tt][Rr][Uu][Ee]';
/**
 * Sidecar answers that are a policy's decision about the message and go to the client: every 4xx
 * except 401, 404 and 405, which mean the gateway and the sidecar are set up wrongly (bad token,
 * unknown policy) and are treated as a sidecar failure.
 */
export const BLOCK_STATUS_RE = '400|40[236-9]|4[1-9][0-9]';
const ANY_RE = '.+';

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
const ifSet = (prop: string, then: readonly Mediator[], otherwise?: readonly Mediator[]): Mediator => ({
  kind: 'filter',
  source: `$ctx:${prop}`,
  regex: ANY_RE,
  then,
  ...(otherwise ? { else: otherwise } : {}),
});
/** The response and fault flows carry a status of their own that the call must not change. */
const ifResponseFlow = (then: readonly Mediator[], otherwise?: readonly Mediator[]): Mediator => ({
  kind: 'filter',
  source: `$ctx:${PROP.flow}`,
  regex: 'response|fault',
  then,
  ...(otherwise ? { else: otherwise } : {}),
});

/** Puts an axis2 property back from the copy taken before the call, if there was one. */
const restoreAxis2 = (name: string, saved: string): Mediator => ifSet(saved, [copy(name, `$ctx:${saved}`, 'axis2')]);

/** What a fault flow knows about the fault, for policies such as explain-fault. */
const FAULT_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['X-Error-Code', '$ctx:ERROR_CODE'],
  ['X-Error-Message', '$ctx:ERROR_MESSAGE'],
  ['X-Http-Status', `$ctx:${PROP.savedStatus}`],
];

function sidecarHeaders(product: Product): string[] {
  return ['X-Flow', ...CONTEXT_EXPRESSIONS[product].map(([h]) => h), ...FAULT_HEADERS.map(([h]) => h)];
}

/** Headers that must not reach the client in a response the gateway builds itself (as WSO2's own fault sequences do). */
function clientResponse(): Mediator[] {
  return [
    set('RESPONSE', 'true'),
    { kind: 'header', name: 'To', action: 'remove' },
    remove('NO_ENTITY_BODY', 'axis2'),
    remove('Authorization', 'transport'),
    remove('Host', 'transport'),
    remove('Accept', 'transport'),
    remove('X-JWT-Assertion', 'transport'),
    { kind: 'respond' },
  ];
}

/** The sidecar's own problem answer (4xx: a policy blocked the message) goes to the client as is. */
function answerWithSidecarProblem(): Mediator[] {
  return [
    { kind: 'comment', text: 'A policy blocked the message: answer the client with the sidecar problem body.' },
    set('messageType', MEDIA.json, 'axis2'),
    set('ContentType', MEDIA.json, 'axis2'),
    ...clientResponse(),
  ];
}

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
    set('messageType', MEDIA.json, 'axis2'),
    set('ContentType', MEDIA.json, 'axis2'),
    ...clientResponse(),
  ];
}

/** Fail open: the message as it was before the call. */
function restoreSavedMessage(): Mediator[] {
  return [
    { kind: 'comment', text: 'Fail open: put back the message as it was before the call.' },
    { kind: 'enrich', source: { type: 'property', property: PROP.savedBody, clone: true }, target: { type: 'body' } },
    restoreAxis2('messageType', PROP.savedMessageType),
    restoreAxis2('ContentType', PROP.savedContentType),
    ifResponseFlow([restoreAxis2('HTTP_SC', PROP.savedStatus)]),
    {
      kind: 'log',
      level: 'custom',
      category: 'WARN',
      properties: [
        { name: 'synapse-ai', value: 'sidecar call failed; the original message continues (failOpen)' },
        { name: 'policy', expression: `$ctx:${PROP.policy}` },
        { name: 'status', expression: `$ctx:${PROP.status}` },
      ],
    },
  ];
}

/**
 * A sidecar answer that is not 2xx: a policy's block goes to the client; anything else is a
 * sidecar failure, answered by `failOpen` when `sai.failOpen` is true and with 503 otherwise.
 */
function blockedOrFailed(failOpen: readonly Mediator[]): Mediator {
  return {
    kind: 'filter',
    source: `$ctx:${PROP.status}`,
    regex: BLOCK_STATUS_RE,
    then: answerWithSidecarProblem(),
    else: [
      { kind: 'filter', source: `$ctx:${PROP.failOpen}`, regex: TRUE_RE, then: failOpen, else: answerUnavailable() },
    ],
  };
}

/** Puts back what the fragment changed on the request for the call. */
function restoreRequestState(product: Product): Mediator[] {
  return [
    ifSet(PROP.savedPostfix, [copy('REST_URL_POSTFIX', `$ctx:${PROP.savedPostfix}`, 'axis2')]),
    ...sidecarHeaders(product).map((h) => remove(h, 'transport')),
    ifSet(
      PROP.savedAuthorization,
      [copy('Authorization', `$ctx:${PROP.savedAuthorization}`, 'transport')],
      [remove('Authorization', 'transport')],
    ),
    ifSet(PROP.savedAccept, [copy('Accept', `$ctx:${PROP.savedAccept}`, 'transport')], [remove('Accept', 'transport')]),
  ];
}

/**
 * Send the current message to the sidecar and continue with its answer; answer the client with a
 * 4xx problem; fail open or closed on a 5xx answer. Faults go to {@link sidecarFaultHandler}.
 */
export function sidecarCall(s: SidecarCallSettings): Mediator[] {
  const out: Mediator[] = [set(PROP.policy, s.route)];
  if (s.failOpen) {
    out.push('value' in s.failOpen ? set(PROP.failOpen, s.failOpen.value) : copy(PROP.failOpen, s.failOpen.expression));
  }
  out.push(
    set(PROP.flow, 'request'),
    {
      kind: 'filter',
      source: '$axis2:HTTP_SC',
      regex: '[1-5][0-9][0-9]',
      then: [set(PROP.flow, 'response'), copy(PROP.savedStatus, '$axis2:HTTP_SC')],
    },
    { kind: 'filter', source: '$ctx:ERROR_CODE', regex: ANY_RE, then: [set(PROP.flow, 'fault')] },
    { kind: 'comment', text: 'Keep the message and the request state the call changes.' },
    { kind: 'enrich', source: { type: 'body', clone: true }, target: { type: 'property', property: PROP.savedBody } },
    copy(PROP.savedMessageType, '$axis2:messageType'),
    copy(PROP.savedContentType, '$axis2:ContentType'),
    copy(PROP.savedPostfix, '$axis2:REST_URL_POSTFIX'),
    copy(PROP.savedAuthorization, '$trp:Authorization'),
    copy(PROP.savedAccept, '$trp:Accept'),
    remove('REST_URL_POSTFIX', 'axis2'),
    // After a fault, HTTP_SC then holds the sidecar's status only, never the backend's.
    remove('HTTP_SC', 'axis2'),
  );
  if (s.authorization) {
    out.push(
      'value' in s.authorization
        ? set('Authorization', s.authorization.value, 'transport')
        : copy('Authorization', s.authorization.expression, 'transport'),
    );
  } else {
    out.push(remove('Authorization', 'transport'));
  }
  out.push(
    set('Accept', MEDIA.json, 'transport'),
    copy('X-Flow', `$ctx:${PROP.flow}`, 'transport'),
    ...CONTEXT_EXPRESSIONS[s.product].map(([h, e]) => copy(h, e, 'transport')),
    ...FAULT_HEADERS.map(([h, e]) => copy(h, e, 'transport')),
    ...s.endpointSetup,
    set(PROP.inflight, 'true'),
    { kind: 'call', endpoint: s.endpoint },
    remove(PROP.inflight),
    copy(PROP.status, '$axis2:HTTP_SC'),
    ...restoreRequestState(s.product),
    {
      kind: 'filter',
      source: `$ctx:${PROP.status}`,
      regex: '2[0-9][0-9]',
      then: [
        ifResponseFlow([restoreAxis2('HTTP_SC', PROP.savedStatus)], [remove('HTTP_SC', 'axis2')]),
        ...(s.produces
          ? [set('messageType', MEDIA[s.produces], 'axis2'), set('ContentType', MEDIA[s.produces], 'axis2')]
          : []),
      ],
      else: [blockedOrFailed(restoreSavedMessage())],
    },
  );
  return out;
}

/**
 * Handles a fault raised by a sidecar call (recognised by `sai.inflight`): a 4xx problem goes to
 * the client; otherwise, with `failOpen`, a response-flow message is put back and sent to the
 * client; everything else is answered 503. A request cannot continue to the backend from a fault
 * handler (Synapse does not resume after a failed call), so a request-flow fault is answered 503
 * even with `failOpen`. `otherwise` runs for faults that are not the sidecar's.
 */
export function sidecarFaultHandler(product: Product, otherwise: readonly Mediator[]): Mediator[] {
  return [
    {
      kind: 'filter',
      source: `$ctx:${PROP.inflight}`,
      regex: 'true',
      then: [
        remove(PROP.inflight),
        copy(PROP.status, '$axis2:HTTP_SC'),
        ...sidecarHeaders(product).map((h) => remove(h, 'transport')),
        blockedOrFailed([ifResponseFlow([...restoreSavedMessage(), ...clientResponse()], answerUnavailable())]),
      ],
      else: otherwise,
    },
  ];
}
