/**
 * The generated fragments, interpreted step by step against a simulated sidecar: success, a policy
 * block, sidecar failures answered inline and through the fault handler, fail open and fail closed,
 * on every target.
 */
import { simulate, type SidecarAnswer, type SidecarRequest, type SimMessage } from '..';
import { gen, ECHO, PIPELINE, TO_XML } from './helpers';

const apim = gen('apim');
const mi = gen('mi');
const apim3 = gen('apim3');
const FAULT_J2 = apim.get('saiSidecarFault_v1/saiSidecarFault_v1.j2')!;
const MI_FAULT = mi.get('src/main/wso2mi/artifacts/sequences/sai-sidecar-fault.xml')!;
const MI_DEFAULT_FAULT =
  '<sequence xmlns="http://ws.apache.org/ns/synapse" name="fault"><property name="default.fault" value="ran"/><drop/></sequence>';

const ORIGINAL = '{"card":"4111 1111 1111 1111","qty":1}';
const ANSWER = '{"card":"<CREDIT_CARD>","qty":1}';
const PROBLEM = '{"type":"urn:synapse-ai:error:SAI_ERR_POLICY_BLOCKED","status":403,"detail":"Blocked"}';

function requestMessage(): SimMessage {
  return {
    body: ORIGINAL,
    ctx: { 'api.ut.api': 'Orders', 'api.ut.version': '1.0.0', 'tenant.info.domain': 'carbon.super' },
    axis2: { messageType: 'application/json', ContentType: 'application/json', REST_URL_POSTFIX: '/orders/7' },
    transport: { Authorization: 'Bearer client-token', Accept: 'application/xml', activityid: 'corr-1' },
  };
}

function responseMessage(): SimMessage {
  const m = requestMessage();
  m.axis2.HTTP_SC = '201';
  delete m.axis2.REST_URL_POSTFIX;
  return m;
}

const ATTRS = (failOpen: boolean): Record<string, string> => ({
  sidecarUrl: 'http://sidecar:8088',
  timeoutMs: '2500',
  failOpen: String(failOpen),
  sidecarToken: 'sidecar-secret',
});

function sidecar(answer: SidecarAnswer): { fn: (r: SidecarRequest) => SidecarAnswer; seen: SidecarRequest[] } {
  const seen: SidecarRequest[] = [];
  return {
    seen,
    fn: (r) => {
      seen.push(r);
      return answer;
    },
  };
}

/** What a client response built by the gateway must never carry. */
function expectNoSidecarSecrets(m: SimMessage): void {
  expect(JSON.stringify(m.transport)).not.toContain('sidecar-secret');
  for (const h of ['X-Flow', 'X-Api-Name', 'X-Tenant-ID', 'X-Consumer-Key']) expect(m.transport[h]).toBeUndefined();
}

describe('APIM policy fragment', () => {
  const j2 = apim.get('saiEcho_v1/saiEcho_v1.j2')!;
  const run = (msg: SimMessage, answer: SidecarAnswer, failOpen: boolean, faultOnStatus = (s: number) => s !== 500) =>
    simulate(j2, msg, {
      sidecar: sidecar(answer).fn,
      attributes: ATTRS(failOpen),
      faultHandler: FAULT_J2,
      faultOnStatus,
    });

  it('sends the message with the token and context, then continues with the answer and restores the request', () => {
    const r = run(requestMessage(), { status: 200, body: ANSWER }, false);
    expect(r.outcome).toBe('continue');
    expect(r.message.body).toBe(ANSWER);
    expect(r.calls).toHaveLength(1);
    const call = r.calls[0]!;
    expect(call.url).toBe('http://sidecar:8088/v1/policies/echo');
    expect(call.timeoutMs).toBe(2500);
    expect(call.body).toBe(ORIGINAL);
    expect(call.headers).toMatchObject({
      Authorization: 'Bearer sidecar-secret',
      Accept: 'application/json',
      'X-Flow': 'request',
      'X-Correlation-ID': 'corr-1',
      'X-Api-Name': 'Orders',
      'X-Api-Version': '1.0.0',
      'X-Tenant-ID': 'carbon.super',
    });
    // Back as the client sent it: the backend sees the client's headers and resource path.
    expect(r.message.transport).toEqual(requestMessage().transport);
    expect(r.message.axis2.REST_URL_POSTFIX).toBe('/orders/7');
    expect(r.message.axis2.HTTP_SC).toBeUndefined();
  });

  it('keeps the backend status in the response flow and says so in X-Flow', () => {
    const r = run(responseMessage(), { status: 200, body: ANSWER }, false);
    expect(r.outcome).toBe('continue');
    expect(r.calls[0]!.headers['X-Flow']).toBe('response');
    expect(r.message.axis2.HTTP_SC).toBe('201');
    expect(r.message.body).toBe(ANSWER);
  });

  it.each([
    ['answered', (s: number) => s === 500],
    ['raised as a fault', () => true],
  ])('answers the client with the sidecar problem when a policy blocks (%s)', (_, faultOnStatus) => {
    const r = run(requestMessage(), { status: 403, body: PROBLEM }, true, faultOnStatus);
    expect(r.outcome).toBe('respond');
    expect(r.message.body).toBe(PROBLEM);
    expect(r.message.axis2.HTTP_SC).toBe('403');
    expect(r.message.axis2.messageType).toBe('application/json');
    expectNoSidecarSecrets(r.message);
  });

  it.each([401, 404])(
    'treats sidecar %i (gateway set up wrongly) as a sidecar failure, not a client error',
    (status) => {
      const r = run(requestMessage(), { status, body: '{}' }, false, () => false);
      expect(r.outcome).toBe('respond');
      expect(r.message.axis2.HTTP_SC).toBe('503');
    },
  );

  it('fails open on a 5xx answer: the original message continues, and a warning is logged', () => {
    const r = run(requestMessage(), { status: 500, body: '{"status":500}' }, true);
    expect(r.outcome).toBe('continue');
    expect(r.message.body).toBe(ORIGINAL);
    expect(r.message.axis2.messageType).toBe('application/json');
    expect(r.message.transport.Authorization).toBe('Bearer client-token');
    expect(r.logs).toEqual([expect.objectContaining({ category: 'WARN', policy: 'echo', status: '500' })]);
  });

  it('fails closed on a 5xx answer: 503 with a problem that names no internals', () => {
    const r = run(requestMessage(), { status: 500, body: '{"status":500}' }, false);
    expect(r.outcome).toBe('respond');
    expect(r.message.axis2.HTTP_SC).toBe('503');
    const problem = JSON.parse(r.message.body) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 503, code: 'SAI_ERR_UNAVAILABLE' });
    expect(r.message.body).not.toMatch(/sidecar|echo|8088/);
    expectNoSidecarSecrets(r.message);
  });

  it.each(['timeout', 'refused'] as const)('fails closed on a %s through the fault-flow policy', (failure) => {
    const r = run(requestMessage(), { failure }, false);
    expect(r.faultHandled).toBe(true);
    expect(r.outcome).toBe('respond');
    expect(r.message.axis2.HTTP_SC).toBe('503');
    expect(r.message.body).not.toContain('4111');
    expectNoSidecarSecrets(r.message);
  });

  it('fails open on a timeout in the response flow: the original response goes to the client', () => {
    const r = run(responseMessage(), { failure: 'timeout' }, true);
    expect(r.outcome).toBe('respond');
    expect(r.message.body).toBe(ORIGINAL);
    expect(r.message.axis2.HTTP_SC).toBe('201');
    expectNoSidecarSecrets(r.message);
  });

  it('in the fault flow, says so, sends the fault details and keeps the fault status', () => {
    const m = responseMessage();
    m.axis2.HTTP_SC = '504';
    m.ctx.ERROR_CODE = '101504';
    m.ctx.ERROR_MESSAGE = 'Send timeout';
    const r = run(m, { status: 200, body: '{"error":{"message":"Please try again."}}' }, false);
    expect(r.outcome).toBe('continue');
    expect(r.calls[0]!.headers).toMatchObject({
      'X-Flow': 'fault',
      'X-Error-Code': '101504',
      'X-Error-Message': 'Send timeout',
      'X-Http-Status': '504',
    });
    expect(r.message.axis2.HTTP_SC).toBe('504');
    expect(r.message.transport['X-Error-Code']).toBeUndefined();
  });

  it('does not take a backend 4xx for a sidecar block when the sidecar times out', () => {
    const m = responseMessage();
    m.axis2.HTTP_SC = '403';
    const r = run(m, { failure: 'timeout' }, true);
    expect(r.outcome).toBe('respond');
    expect(r.message.body).toBe(ORIGINAL);
    expect(r.message.axis2.HTTP_SC).toBe('403');
    expect(r.logs).toEqual([expect.objectContaining({ category: 'WARN', policy: 'echo' })]);
  });

  it('answers 503 for a request-flow timeout even with failOpen (Synapse cannot resume after a failed call)', () => {
    const r = run(requestMessage(), { failure: 'timeout' }, true);
    expect(r.outcome).toBe('respond');
    expect(r.message.axis2.HTTP_SC).toBe('503');
  });

  it('leaves faults that are not the sidecar’s to the rest of the fault flow', () => {
    const r = simulate(FAULT_J2, requestMessage(), { sidecar: sidecar({ status: 200, body: '' }).fn });
    expect(r.outcome).toBe('continue');
    expect(r.message).toEqual(requestMessage());
  });

  it('sets the message type the policy produces', () => {
    const j2x = apim.get('saiJsonToXml_v2/saiJsonToXml_v2.j2')!;
    const r = simulate(j2x, requestMessage(), {
      sidecar: sidecar({ status: 200, body: '<card>x</card>' }).fn,
      attributes: ATTRS(false),
    });
    expect(r.outcome).toBe('continue');
    expect(r.message.axis2.messageType).toBe('application/xml');
    expect(r.message.axis2.ContentType).toBe('application/xml');
  });

  it('refuses to render a fragment whose placeholder has no value', () => {
    expect(() =>
      simulate(j2, requestMessage(), { sidecar: sidecar({ status: 200, body: '' }).fn, attributes: {} }),
    ).toThrow(/\{\{failOpen\}\}/);
  });
});

describe('Micro Integrator artefacts', () => {
  const endpoints = {
    'sai-echo': mi.get('src/main/wso2mi/artifacts/endpoints/sai-echo.xml')!,
    'sai-orders-in': mi.get('src/main/wso2mi/artifacts/endpoints/sai-orders-in.xml')!,
  };
  const sequences = { 'sai-sidecar-fault': MI_FAULT, fault: MI_DEFAULT_FAULT };
  const opts = {
    endpoints,
    sequences,
    configs: { saiSidecarUrl: 'http://sidecar:8088' },
    vault: { saiSidecarToken: 'sidecar-secret' },
  };

  it('the template calls its endpoint with the vault token and continues with the answer', () => {
    const t = mi.get('src/main/wso2mi/artifacts/templates/sai-echo.xml')!;
    const s = sidecar({ status: 200, body: ANSWER });
    const r = simulate(t, requestMessage(), { ...opts, sidecar: s.fn });
    expect(r.outcome).toBe('continue');
    expect(r.message.body).toBe(ANSWER);
    expect(s.seen[0]!.url).toBe('http://sidecar:8088/v1/policies/echo');
    expect(s.seen[0]!.headers.Authorization).toBe('Bearer sidecar-secret');
    expect(s.seen[0]!.timeoutMs).toBe(5000);
  });

  it('the template fails open on a 5xx answer when called with failOpen=true, closed by default', () => {
    const t = mi.get('src/main/wso2mi/artifacts/templates/sai-echo.xml')!;
    const open = simulate(t, requestMessage(), {
      ...opts,
      sidecar: sidecar({ status: 500, body: '{}' }).fn,
      params: { failOpen: 'true' },
      faultOnStatus: () => false,
    });
    expect(open.outcome).toBe('continue');
    expect(open.message.body).toBe(ORIGINAL);
    const closed = simulate(t, requestMessage(), {
      ...opts,
      sidecar: sidecar({ status: 500, body: '{}' }).fn,
      faultOnStatus: () => false,
    });
    expect(closed.outcome).toBe('respond');
    expect(closed.message.axis2.HTTP_SC).toBe('503');
  });

  it('the pipeline sequence sends faults to sai-sidecar-fault, which answers 503', () => {
    const seq = mi.get('src/main/wso2mi/artifacts/sequences/sai-orders-in.xml')!;
    const r = simulate(seq, requestMessage(), { ...opts, sidecar: sidecar({ failure: 'refused' }).fn });
    expect(r.faultHandled).toBe(true);
    expect(r.outcome).toBe('respond');
    expect(r.message.axis2.HTTP_SC).toBe('503');
    expectNoSidecarSecrets(r.message);
  });

  it('sai-sidecar-fault hands other faults to the default fault sequence', () => {
    const r = simulate(MI_FAULT, requestMessage(), { ...opts, sidecar: sidecar({ status: 200, body: '' }).fn });
    expect(r.outcome).toBe('drop');
    expect(r.message.ctx['default.fault']).toBe('ran');
  });
});

describe('API Manager 3.x sequences', () => {
  it('the in-sequence calls the URL given at generation and answers 503 through the fault sequence', () => {
    const seq = apim3.get('in-sequence/sai-echo-in.xml')!;
    const s = sidecar({ failure: 'timeout' });
    const r = simulate(seq, requestMessage(), {
      sidecar: s.fn,
      vault: { saiSidecarToken: 'sidecar-secret' },
      faultHandler: apim3.get('fault-sequence/sai-sidecar-fault.xml')!,
      sequences: { fault: MI_DEFAULT_FAULT },
    });
    expect(s.seen[0]!.url).toBe('http://127.0.0.1:8088/v1/policies/echo');
    expect(r.outcome).toBe('respond');
    expect(r.message.axis2.HTTP_SC).toBe('503');
  });
});

it('generates the pipeline and each policy on every target', () => {
  expect([...apim.keys()]).toEqual(
    expect.arrayContaining(['saiOrdersIn_v1/saiOrdersIn_v1.j2', 'saiEcho_v1/saiEcho_v1.yaml']),
  );
  expect(ECHO.flows).toContain('fault');
  expect(TO_XML.produces).toBe('xml');
  expect(PIPELINE.steps).toHaveLength(2);
});
