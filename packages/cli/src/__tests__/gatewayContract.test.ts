/**
 * The gateway contract, proven on the real WSO2 Synapse engine (`../shared/synapse-engine`): every
 * generated artefact kind (API Manager 4.x policy rendered with its attributes, Micro Integrator
 * template + endpoint and pipeline sequence, API Manager 3.x sequence), in the request, response and
 * fault flows, for every sidecar outcome (allow, modified, each 4xx block, 5xx, timeout, refused,
 * bad token, unknown route) with failOpen true and false. The engine calls the real sidecar
 * (`startSidecar` on a free loopback port) and a mock backend; every scenario is injected twice
 * into the same engine, so a suspended endpoint would show on the second message.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { TestLlmServer } from '@synapse-ai/llm';
import { builtinPolicies } from '@synapse-ai/policies';
import { block, definePolicy, proceed, type GatewayContext, type Policy } from '@synapse-ai/sdk';
import { createLogger, loadConfig, startSidecar, type RunningSidecar } from '@synapse-ai/sidecar';
import {
  findEngine,
  fromPipeline,
  fromPolicy,
  generate,
  runEngine,
  type ArtefactSource,
  type EngineLocation,
  type EngineResult,
  type GenerateOptions,
} from '@synapse-ai/synapse';

const SHARED = join(__dirname, '../../../../../shared');
const located = findEngine(SHARED);
if ('missing' in located && process.env.CI) throw new Error(`CI must run the engine tests: ${located.missing}`);

const TOKEN = 'gateway-contract-token-0123456789';
const TIMEOUT_MS = 800;
type Flow = 'request' | 'response' | 'fault';
const FLOWS: Flow[] = ['request', 'response', 'fault'];

// ---- the sidecar side: a policy whose decision the message names ------------------------------

/** What the sidecar received, by the `run` id the message carries. */
const seen = new Map<string, { headers: Record<string, string>; context: GatewayContext; body: string }>();

const BLOCKS = {
  'block-400': 'SAI_ERR_BAD_REQUEST',
  'block-403': 'SAI_ERR_POLICY_BLOCKED',
  'block-413': 'SAI_ERR_PAYLOAD_TOO_LARGE',
  'block-415': 'SAI_ERR_UNSUPPORTED_MEDIA_TYPE',
  'block-422': 'SAI_ERR_INPUT_INVALID',
  'block-429': 'SAI_ERR_RATE_LIMITED',
} as const;
const ERRORS = {
  'error-500': null,
  'error-503': 'SAI_ERR_UNAVAILABLE',
  'error-504': 'SAI_ERR_POLICY_TIMEOUT',
} as const;

const matrix: Policy = definePolicy({
  meta: {
    name: 'matrix',
    version: '1.0.0',
    description: 'Decides as the message says (engine tests).',
    flows: ['request', 'response', 'fault'],
    stage: 'guard',
    priority: 1,
  },
  async handler(message) {
    const p = message.payload;
    const text =
      p.kind === 'json' ? JSON.stringify(p.value) : p.kind === 'xml' ? p.xml.text : p.kind === 'text' ? p.text : '';
    const c = /case[":=> ]+([a-z0-9-]+)/.exec(text)?.[1] ?? 'allow';
    const run = /run[":=> ]+([a-z0-9-]+)/.exec(text)?.[1];
    if (run)
      seen.set(run, {
        headers: { ...(rawHeaders.get(message.context.correlationId) ?? {}) } as Record<string, string>,
        context: { ...message.context },
        body: text,
      });
    if (c === 'modified') {
      if (p.kind === 'json') return proceed({ json: { ...(p.value as object), modified: true } });
      if (p.kind === 'xml') return proceed({ xml: p.xml.text.replace('4111 1111 1111 1111', '&lt;CARD&gt;') });
      return proceed({ text: text.replace('4111 1111 1111 1111', '<CARD>') });
    }
    if (c in BLOCKS) {
      const resetAt = new Date(Date.now() + 30_000).toISOString();
      return block(
        BLOCKS[c as keyof typeof BLOCKS],
        `Blocked (${c}).`,
        c === 'block-429' ? { extensions: { resetAt } } : {},
      );
    }
    if (c === 'error-500') throw new Error('the policy failed');
    if (c === 'error-503' || c === 'error-504') return block(ERRORS[c]);
    if (c === 'slow') await new Promise((r) => setTimeout(r, TIMEOUT_MS * 3));
    return proceed();
  },
});

const facade: Policy = definePolicy({
  meta: {
    name: 'facade',
    version: '1.0.0',
    description: 'Answers the client (engine tests).',
    flows: ['request'],
    stage: 'ai',
    priority: 1,
    answersClient: true,
  },
  handler(message) {
    const v = message.payload.kind === 'json' ? (message.payload.value as Record<string, unknown>) : {};
    return proceed({ json: { answer: `formatted answer to ${String(v.question)}` } });
  },
});

const explainFault = builtinPolicies.find((p) => p.meta.name === 'explain-fault')!;
const prompt = builtinPolicies.find((p) => p.meta.name === 'prompt')!;

const MISSING: ArtefactSource = {
  kind: 'policy',
  name: 'matrix-missing',
  version: '1.0.0',
  description: 'A route the sidecar does not serve.',
  flows: ['request', 'response', 'fault'],
};
const SOURCES: ArtefactSource[] = [
  fromPolicy(matrix.describe()),
  fromPolicy(facade.describe()),
  fromPolicy(explainFault.describe()),
  fromPolicy(prompt.describe()),
  fromPipeline('matrix-pipe', [matrix.describe()]),
  MISSING,
  { ...fromPipeline('missing-pipe', [matrix.describe()]), description: 'A pipeline the sidecar does not serve.' },
];

/** A header by name, whatever its case (the engine reports them as Axis2 spells them). */
const header = (headers: Record<string, string> | undefined, name: string): string | undefined =>
  Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

/** Raw request headers as the sidecar's HTTP server received them, by correlation id. */
const rawHeaders = new Map<string, Record<string, string | string[] | undefined>>();

// ---- the gateway side: each target's artefacts, wrapped as an API would run them ----------------

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

interface Scenario {
  target: TargetName;
  route: string;
  flow: Flow;
  failOpen: boolean;
  outcome: string;
  /** `bad-token` sends a token the sidecar refuses; `refused` points at a closed port. */
  sidecar?: 'bad-token' | 'refused';
  body?: { text: string; contentType: string };
  /** Properties on the message (default scope unless `axis2:`). */
  properties?: Record<string, string>;
  headers?: Record<string, string>;
}

type TargetName = 'apim' | 'apim-vault' | 'mi-template' | 'mi-pipeline' | 'apim3';
const TARGET_NAMES: TargetName[] = ['apim', 'apim-vault', 'mi-template', 'mi-pipeline', 'apim3'];

const SYN = 'http://ws.apache.org/ns/synapse';
const wrap = (name: string, inner: string, flow: Flow, backend: string): string =>
  `<sequence xmlns="${SYN}" name="${name}">\n${inner}\n` +
  (flow === 'request'
    ? `<call blocking="true"><endpoint><http method="post" uri-template="${backend}/backend"/></endpoint></call>\n`
    : '') +
  `<respond/>\n</sequence>\n`;

function render(j2: string, attrs: Record<string, string>): string {
  return j2.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, n: string) => {
    if (!(n in attrs)) throw new Error(`no value for {{${n}}}`);
    return attrs[n]!;
  });
}

interface Built {
  artifacts: string[];
  sequence: string;
  configProperties?: Record<string, string>;
  secureVault?: Record<string, string>;
}

function build(s: Scenario, dir: string, sidecarUrl: string, deadUrl: string, backend: string): Built {
  const url = s.sidecar === 'refused' ? deadUrl : sidecarUrl;
  const token = s.sidecar === 'bad-token' ? 'not-the-sidecar-token-000' : TOKEN;
  const source = SOURCES.find((x) => x.name === s.route)!;
  const seqName = 'api';
  const files = (o: Omit<GenerateOptions, 'sources'>) => generate({ ...o, sources: [source] });
  const write = (rel: string, content: string): string => {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
    return p;
  };
  switch (s.target) {
    case 'apim':
    case 'apim-vault': {
      const vault = s.target === 'apim-vault';
      const j2 = files({ target: 'apim', apim: { tokenSource: vault ? 'vault' : 'secret' } }).find((f) =>
        f.path.endsWith('.j2'),
      )!.content;
      const attrs: Record<string, string> = {
        sidecarUrl: url,
        timeoutMs: String(TIMEOUT_MS),
        failOpen: String(s.failOpen),
      };
      if (!vault) attrs.sidecarToken = token;
      write('sequences/api.xml', wrap(seqName, render(j2, attrs), s.flow, backend));
      return { artifacts: [dir], sequence: seqName, ...(vault ? { secureVault: { saiSidecarToken: token } } : {}) };
    }
    case 'mi-template':
    case 'mi-pipeline': {
      for (const f of files({ target: 'mi', mi: { timeoutMs: TIMEOUT_MS } })) {
        if (f.path.startsWith('src/main/wso2mi/artifacts/'))
          write(f.path.slice('src/main/wso2mi/artifacts/'.length), f.content);
      }
      const inner =
        s.target === 'mi-template'
          ? `<call-template target="sai-${s.route}"><with-param name="failOpen" value="${s.failOpen}"/></call-template>`
          : `<property name="sai.failOpen" value="${s.failOpen}"/><sequence key="sai-${s.route}"/>`;
      write('sequences/api.xml', wrap(seqName, inner, s.flow, backend));
      return {
        artifacts: [dir],
        sequence: seqName,
        configProperties: { saiSidecarUrl: url },
        secureVault: { saiSidecarToken: token },
      };
    }
    case 'apim3': {
      const suffix = s.flow === 'request' ? 'in' : s.flow === 'response' ? 'out' : 'fault';
      const gen = files({
        target: 'apim3',
        apim3: { sidecarUrl: url, timeoutMs: TIMEOUT_MS, failOpen: s.failOpen },
      });
      const seq = gen.find((f) => f.path.endsWith(`/sai-${s.route}-${suffix}.xml`))!;
      write(`sequences/${seq.path.split('/').pop()}`, seq.content);
      write('sequences/api.xml', wrap(seqName, `<sequence key="sai-${s.route}-${suffix}"/>`, s.flow, backend));
      return { artifacts: [dir], sequence: seqName, secureVault: { saiSidecarToken: token } };
    }
  }
}

const CARD = '4111 1111 1111 1111';
/** The message of a scenario: its body names the outcome and the run; numbers keep their text. */
function messageFor(s: Scenario, run: string): Record<string, unknown> {
  const body = s.body
    ? { text: s.body.text.replace('RUN', run), contentType: s.body.contentType }
    : {
        text:
          s.route === 'facade'
            ? `{"question":"why","run":"${run}"}`
            : `{"case":"${s.outcome}","run":"${run}","card":"${CARD}","total":500.0}`,
        contentType: 'application/json',
      };
  const properties: Record<string, { value: string; scope: string }> = {
    'api.own.property': { value: 'kept', scope: 'default' },
  };
  if (s.flow === 'response') properties.HTTP_SC = { value: '201', scope: 'axis2' };
  if (s.flow === 'fault') {
    properties.ERROR_CODE = { value: '101504', scope: 'default' };
    properties.ERROR_MESSAGE = { value: 'Send timeout', scope: 'default' };
    properties.HTTP_SC = { value: '504', scope: 'axis2' };
  }
  for (const [k, v] of Object.entries(s.properties ?? {})) {
    const axis2 = k.startsWith('axis2:');
    const name = axis2 ? k.slice(6) : k;
    if (v === '') delete properties[name];
    else properties[name] = { value: v, scope: axis2 ? 'axis2' : 'default' };
  }
  return {
    body: body.text,
    contentType: body.contentType,
    httpMethod: 'POST',
    restUrlPostfix: '/orders/7',
    transportHeaders: {
      Cookie: 'session=client-cookie',
      Authorization: 'Bearer client-access-token',
      'X-Tenant-ID': 'client-chosen-tenant',
      'X-User-Role': 'admin',
      'X-Consumer-Key': 'client-chosen-app',
      ...(s.headers ?? {}),
    },
    properties,
  };
}

// ---- running them --------------------------------------------------------------------------------

interface Ran {
  scenario: Scenario;
  run: string;
  message: Record<string, unknown>;
  results: EngineResult[];
}

async function pool<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

const OUTCOMES = [
  'allow',
  'modified',
  ...Object.keys(BLOCKS),
  ...Object.keys(ERRORS),
  'slow',
  'refused',
  'bad-token',
  'unknown-route',
];
const UNAVAILABLE = new Set([...Object.keys(ERRORS), 'slow', 'refused', 'bad-token', 'unknown-route']);

function matrixScenarios(): Scenario[] {
  const out: Scenario[] = [];
  for (const target of TARGET_NAMES) {
    for (const flow of FLOWS) {
      for (const failOpen of [false, true]) {
        for (const outcome of OUTCOMES) {
          // the vault variant differs only in where the token comes from
          if (target === 'apim-vault' && !['allow', 'block-403', 'bad-token'].includes(outcome)) continue;
          out.push({
            target,
            flow,
            failOpen,
            outcome,
            route:
              target === 'mi-pipeline'
                ? outcome === 'unknown-route'
                  ? 'missing-pipe'
                  : 'matrix-pipe'
                : outcome === 'unknown-route'
                  ? 'matrix-missing'
                  : 'matrix',
            ...(outcome === 'refused' || outcome === 'bad-token' ? { sidecar: outcome } : {}),
          });
        }
      }
    }
  }
  return out;
}

const d = 'missing' in located ? describe.skip : describe;
const skipNote = 'missing' in located ? ` (skipped: ${located.missing})` : '';

d(`the gateway contract on the real Synapse engine${skipNote}`, () => {
  const engine = located as EngineLocation;
  let sidecar: RunningSidecar;
  let work: string;
  const llm = new TestLlmServer();
  let deadUrl: string;
  let counter = 0;

  const runScenarios = async (list: Scenario[]): Promise<Ran[]> =>
    pool(list, 3, async (scenario) => {
      const run = `r${++counter}`;
      const dir = join(work, run);
      const message = messageFor(scenario, run);
      // the mock backend's port is free when picked, but another suite's connection may take it
      // before the engine binds it: then the engine cannot start the run, and it is tried on another
      for (let attempt = 1; ; attempt++) {
        try {
          return await runOnce(scenario, run, dir, message);
        } catch (err) {
          if (attempt >= 3 || !/BindException: Address already in use/.test((err as Error).message)) throw err;
        }
      }
    });

  const runOnce = async (
    scenario: Scenario,
    run: string,
    dir: string,
    message: ReturnType<typeof messageFor>,
  ): Promise<Ran> => {
    const backendPort = await freePort(); // one per run: runs go in parallel
    const built = build(scenario, dir, sidecar.url, deadUrl, `http://127.0.0.1:${backendPort}`);
    const out = await runEngine(engine, {
      ...built,
      flow: scenario.flow,
      repeat: 2,
      message,
      servers: [
        {
          port: backendPort,
          routes: [
            {
              path: '/backend',
              match: 'prefix',
              status: 200,
              body: '{"backend":"answered"}',
              contentType: 'application/json',
            },
          ],
        },
      ],
    });
    if (out.error) throw new Error(`${JSON.stringify(scenario)}: ${out.error}\n${out.setupLog.join('\n')}`);
    return { scenario, run, message, results: out.results };
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sai-engine-'));
    const llmUrl = await llm.start();
    llm.fallback = { kind: 'reply', content: '{"reply":"Your order ships tomorrow."}' };
    writeFileSync(
      join(work, 'sidecar.yaml'),
      [
        'auth:',
        `  tokens: [${TOKEN}]`,
        'server:',
        '  requestTimeoutMs: 10000',
        'pipelines:',
        '  matrix-pipe: [matrix]',
        'llm:',
        `  providers: [{ name: local, type: compatible, baseURL: '${llmUrl}/v1' }]`,
        '  chain: [{ provider: local, model: support-model }]',
        'policies:',
        '  prompt:',
        '    options:',
        "      template: 'Customer asks: {{body.question}}'",
        '      temperature: 0',
        '      output:',
        '        schema: { type: object, required: [reply], properties: { reply: { type: string } } }',
        "        format: { reply: '{{answer.reply}}', requestId: '{{context.correlationId}}' }",
        '',
      ].join('\n'),
    );
    sidecar = await startSidecar({
      config: loadConfig({ file: join(work, 'sidecar.yaml'), env: { SAI_LOG_LEVEL: 'error' }, overrides: { port: 0 } }),
      policies: [matrix, facade, explainFault, prompt],
      // the failing scenarios log errors by design; keep them out of the test output
      logger: createLogger({ level: 'error', stream: new PassThrough().resume() }),
    });
    sidecar.server.prependListener('request', (req) => {
      const id = req.headers['x-correlation-id'];
      if (typeof id === 'string') rawHeaders.set(id, { ...req.headers });
    });
    deadUrl = `http://127.0.0.1:${await freePort()}`;
  });
  afterAll(async () => {
    await sidecar?.close();
    await llm.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  describe('the behaviour matrix', () => {
    let ran: Ran[] = [];
    beforeAll(async () => {
      ran = await runScenarios(matrixScenarios());
    }, 900_000);

    const cases = matrixScenarios().map((s) => [
      `${s.target} ${s.flow} flow, ${s.outcome}, failOpen=${s.failOpen}`,
      s,
    ]) as Array<[string, Scenario]>;

    it.each(cases)('%s', (_, s) => {
      const r = ran.find((x) => JSON.stringify(x.scenario) === JSON.stringify(s))!;
      expect(r).toBeDefined();
      expect(r.results).toHaveLength(2);
      const original = r.message.body as string;
      for (const res of r.results) expectOutcome(s, res, original);
    });
  });

  /** What the client gets, what the backend receives, for one injected message. */
  function expectOutcome(s: Scenario, res: EngineResult, original: string): void {
    const ctx = `${JSON.stringify(s)} → ${JSON.stringify({ respond: res.respond, outbound: res.outbound, logs: res.logs, engine: res.engineLog.filter((l) => /SEVERE|ERROR/.test(l)) })}`;
    const backendCalls = res.outbound.filter((o) => o.path.startsWith('/backend'));
    const respond = res.respond;
    expect({ ctx, called: respond?.called, count: respond?.count }).toEqual({ ctx, called: true, count: 1 });
    const status = Number(respond!.status);
    const body = respond!.body;
    const entryStatus = s.flow === 'request' ? 200 : s.flow === 'response' ? 201 : 504;
    // the API's own properties are as they were, whatever the sidecar did
    expect({ ctx, own: res.final.properties['api.own.property'] }).toEqual({ ctx, own: 'kept' });
    const outcome = s.outcome;
    if (outcome === 'allow' || outcome === 'modified') {
      // the sidecar keeps number text (500.0): the modified body is the original plus one member
      const expected = outcome === 'allow' ? original : original.replace(/\}$/, ',"modified":true}');
      if (s.flow === 'request') {
        // the backend gets the sidecar's decision, on the API's own resource path, with the client's headers
        expect({ ctx, calls: backendCalls.length }).toEqual({ ctx, calls: 1 });
        const call = backendCalls[0]!;
        expect({ ctx, body: call.body }).toEqual({ ctx, body: outcome === 'allow' ? original : expected });
        expect({ ctx, path: call.path }).toEqual({ ctx, path: '/backend/orders/7' });
        expect({ ctx, ct: header(call.headers, 'Content-Type') }).toEqual({
          ctx,
          ct: expect.stringMatching(/^application\/json/),
        });
        expect({ ctx, cookie: header(call.headers, 'Cookie') }).toEqual({ ctx, cookie: 'session=client-cookie' });
        expect({ ctx, auth: header(call.headers, 'Authorization') }).toEqual({
          ctx,
          auth: 'Bearer client-access-token',
        });
        expect({ ctx, status }).toEqual({ ctx, status: 200 });
        expect({ ctx, body }).toEqual({ ctx, body: '{"backend":"answered"}' });
      } else {
        expect({ ctx, calls: backendCalls.length }).toEqual({ ctx, calls: 0 });
        expect({ ctx, status }).toEqual({ ctx, status: entryStatus });
        expect({ ctx, body }).toEqual({ ctx, body: outcome === 'allow' ? original : expected });
      }
      expect({ ctx, ct: respond!.contentType }).toEqual({ ctx, ct: expect.stringMatching(/^application\/json/) });
      return;
    }
    if (outcome in BLOCKS) {
      const code = Number(outcome.slice(6));
      expect({ ctx, calls: backendCalls.length }).toEqual({ ctx, calls: 0 });
      expect({ ctx, status }).toEqual({ ctx, status: code });
      const problem = JSON.parse(body) as Record<string, unknown>;
      expect({ ctx, problem }).toEqual({
        ctx,
        problem: expect.objectContaining({ status: code, code: BLOCKS[outcome as keyof typeof BLOCKS] }),
      });
      expect({ ctx, leaked: body.includes(CARD) }).toEqual({ ctx, leaked: false });
      expect({ ctx, ct: respond!.contentType }).toEqual({ ctx, ct: expect.stringMatching(/^application\/json/) });
      if (code === 429) {
        expect({ ctx, retry: header(respond!.headers, 'Retry-After') }).toEqual({
          ctx,
          retry: expect.stringMatching(/^\d+$/),
        });
      }
      // nothing of the client's request or the backend's response goes back as a header
      expect({
        ctx,
        cookie: header(respond!.headers, 'Cookie'),
        auth: header(respond!.headers, 'Authorization'),
      }).toEqual({
        ctx,
        cookie: undefined,
        auth: undefined,
      });
      return;
    }
    expect(UNAVAILABLE.has(outcome)).toBe(true);
    if (s.failOpen) {
      if (s.flow === 'request') {
        expect({ ctx, calls: backendCalls.length, body: backendCalls[0]?.body }).toEqual({
          ctx,
          calls: 1,
          body: original,
        });
        expect({ ctx, status }).toEqual({ ctx, status: 200 });
      } else {
        expect({ ctx, calls: backendCalls.length }).toEqual({ ctx, calls: 0 });
        expect({ ctx, status, body }).toEqual({ ctx, status: entryStatus, body: original });
      }
      expect(res.logs.some((l) => l.includes('no usable answer from the sidecar'))).toBe(true);
    } else {
      expect({ ctx, calls: backendCalls.length }).toEqual({ ctx, calls: 0 });
      expect({ ctx, status }).toEqual({ ctx, status: 503 });
      expect({ ctx, problem: JSON.parse(body) as unknown }).toEqual({
        ctx,
        problem: expect.objectContaining({ status: 503, code: 'SAI_ERR_UNAVAILABLE' }),
      });
      expect({ ctx, leaked: body.includes(CARD) }).toEqual({ ctx, leaked: false });
    }
  }

  describe('the facade answers the client itself', () => {
    let ran: Ran[] = [];
    const list: Scenario[] = TARGET_NAMES.filter((t) => t !== 'mi-pipeline').flatMap((target) => [
      { target, route: 'facade', flow: 'request', failOpen: false, outcome: 'modified' },
      {
        target,
        route: 'prompt',
        flow: 'request',
        failOpen: false,
        outcome: 'modified',
        body: { text: '{"question":"where is my order?","run":"RUN"}', contentType: 'application/json' },
        headers: { activityid: 'corr-facade' },
      },
    ]);
    beforeAll(async () => {
      ran = await runScenarios(list);
    }, 300_000);
    it.each(list.map((s) => [`${s.target}, ${s.route}`, s] as const))(
      '%s: 200 with the formatted answer, the backend never called',
      (_, s) => {
        const r = ran.find((x) => x.scenario === s)!;
        for (const res of r.results) {
          expect(res.outbound.filter((o) => o.path.startsWith('/backend'))).toEqual([]);
          expect(Number(res.respond?.status)).toBe(200);
          expect(JSON.parse(res.respond!.body)).toEqual(
            s.route === 'facade'
              ? { answer: 'formatted answer to why' }
              : {
                  reply: 'Your order ships tomorrow.',
                  // API Manager's correlation id; Micro Integrator's message id
                  requestId: s.target.startsWith('mi') ? expect.stringMatching(/^urn:uuid:/) : 'corr-facade',
                },
          );
        }
      },
    );
    it('the model saw the question the client asked', () => {
      expect(llm.requests.some((q) => JSON.stringify(q.body).includes('Customer asks: \\"where is my order?\\"'))).toBe(
        true,
      );
    });
  });

  describe('explained faults keep a fault status', () => {
    let ran: Ran[] = [];
    const fault =
      '{"code":"101504","message":"Send timeout to backend.internal:8443","description":"java.net.SocketTimeoutException at ..."}';
    const list: Scenario[] = TARGET_NAMES.filter((t) => t !== 'mi-pipeline').flatMap((target) => {
      const explained: Scenario = {
        target,
        route: 'explain-fault',
        flow: 'fault',
        failOpen: false,
        outcome: 'modified',
        body: { text: fault, contentType: 'application/json' },
      };
      return [explained, { ...explained, properties: { 'axis2:HTTP_SC': '' } }];
    });
    beforeAll(async () => {
      ran = await runScenarios(list);
    }, 300_000);
    it.each(list.map((s) => [`${s.target}, ${s.properties ? 'no HTTP_SC' : 'HTTP_SC 504'}`, s] as const))(
      '%s: the explained body with the fault status, never 200',
      (_, s) => {
        const r = ran.find((x) => x.scenario === s)!;
        for (const res of r.results) {
          expect(Number(res.respond?.status)).toBe(504);
          const answer = JSON.parse(res.respond!.body) as { error: { status: number; message: string } };
          expect(answer.error.status).toBe(504);
          expect(res.respond!.body).not.toMatch(/backend\.internal|SocketTimeout/);
        }
      },
    );
  });

  describe('XML, SOAP and text bodies', () => {
    let ran: Ran[] = [];
    const bodies = {
      xml: {
        text: `<order xmlns="urn:o"><case>modified</case><run>RUN</run><card>${CARD}</card></order>`,
        contentType: 'application/xml',
      },
      soap: {
        text: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="urn:m"><soapenv:Body><m:pay><m:case>modified</m:case><m:run>RUN</m:run><m:card>${CARD}</m:card></m:pay></soapenv:Body></soapenv:Envelope>`,
        contentType: 'text/xml',
      },
      text: { text: `case=modified run=RUN card ${CARD}`, contentType: 'text/plain' },
    };
    const list: Scenario[] = (['apim', 'mi-template', 'apim3'] as const).flatMap((target) =>
      Object.values(bodies).map((body) => ({
        target,
        route: 'matrix',
        flow: 'request' as const,
        failOpen: false,
        outcome: 'modified',
        body,
      })),
    );
    beforeAll(async () => {
      ran = await runScenarios(list);
    }, 300_000);
    it.each(list.map((s) => [`${s.target}, ${s.body!.contentType}`, s] as const))(
      '%s: the backend gets the modified body with its content type',
      (_, s) => {
        const r = ran.find((x) => x.scenario === s)!;
        for (const res of r.results) {
          const call = res.outbound.find((o) => o.path.startsWith('/backend'));
          expect(call).toBeDefined();
          expect(call!.body).not.toContain(CARD);
          expect(call!.body).toContain('CARD');
          const ct = header(call!.headers, 'Content-Type');
          expect(ct?.split(';')[0]).toBe(s.body!.contentType);
          if (s.body!.contentType === 'text/xml') {
            // the Body's content is the sidecar's; its namespaces stay declared (here on the Envelope)
            expect(call!.body).toMatch(/<soapenv:Envelope[^>]*\sxmlns:m="urn:m"[^>]*><soapenv:Body><m:pay>/);
          }
          if (s.body!.contentType === 'application/xml') expect(call!.body).toMatch(/<order xmlns="urn:o">/);
        }
      },
    );
  });

  describe('identity comes from the gateway, never from the client', () => {
    let ran: Ran[] = [];
    const list: Scenario[] = [
      {
        target: 'apim',
        route: 'matrix',
        flow: 'request',
        failOpen: false,
        outcome: 'allow',
        properties: {
          'tenant.info.domain': 'acme.com',
          'api.ut.userName': 'alice@acme.com',
          'api.ut.consumerKey': 'ck-gateway-validated',
          'api.ut.api': 'Orders',
          'api.ut.version': '1.0.0',
          'sai.id.tier': 'Gold',
        },
        headers: { activityid: 'corr-123' },
      },
      {
        target: 'apim3',
        route: 'matrix',
        flow: 'request',
        failOpen: false,
        outcome: 'allow',
        properties: { 'tenant.info.domain': 'acme.com', 'api.ut.consumerKey': 'ck-gateway-validated' },
      },
      {
        target: 'mi-template',
        route: 'matrix',
        flow: 'request',
        failOpen: false,
        outcome: 'allow',
        properties: {
          'sai.id.tenant': 'acme.com',
          'sai.id.user': 'alice',
          'sai.id.role': 'support-agent',
          'sai.id.application': 'orders-portal',
          'sai.id.tier': 'Silver',
          SYNAPSE_REST_API: 'OrdersAPI',
        },
      },
      { target: 'mi-pipeline', route: 'matrix-pipe', flow: 'request', failOpen: false, outcome: 'allow' },
    ];
    beforeAll(async () => {
      ran = await runScenarios(list);
    }, 300_000);

    const received = (r: Ran) => seen.get(r.run)!;

    it('API Manager: tenant, user, application and API from key validation; role and tier only when a mediator set them', () => {
      const got = received(ran[0]!);
      expect(got.context).toMatchObject({
        tenantId: 'acme.com',
        userId: 'alice@acme.com',
        consumerKey: 'ck-gateway-validated',
        apiName: 'Orders',
        apiVersion: '1.0.0',
        tier: 'Gold',
        correlationId: 'corr-123',
        flow: 'request',
      });
      expect(got.context.userRole).toBeUndefined();
    });
    it('API Manager 3.x: the same properties', () => {
      expect(received(ran[1]!).context).toMatchObject({ tenantId: 'acme.com', consumerKey: 'ck-gateway-validated' });
    });
    it('Micro Integrator: the sai.id.* properties the flow sets', () => {
      expect(received(ran[2]!).context).toMatchObject({
        tenantId: 'acme.com',
        userId: 'alice',
        userRole: 'support-agent',
        consumerKey: 'orders-portal',
        tier: 'Silver',
        apiName: 'OrdersAPI',
      });
    });
    it.each([0, 1, 2, 3])(
      'case %i: no client header reaches the sidecar (cookie, its token, its tenant/role/app)',
      (i) => {
        const got = received(ran[i]!);
        expect(Object.keys(got.headers).length).toBeGreaterThan(3);
        expect(got.headers.cookie).toBeUndefined();
        expect(got.headers.authorization).toBe(`Bearer ${TOKEN}`);
        expect(JSON.stringify(got.headers)).not.toMatch(/client-chosen|client-access-token|client-cookie/);
        expect(got.context.userRole === 'admin').toBe(false);
        expect(got.context.tenantId === 'client-chosen-tenant').toBe(false);
        // exactly what the sidecar needs
        const names = Object.keys(got.headers).filter(
          (h) =>
            ![
              'host',
              'user-agent',
              'content-type',
              'content-length',
              'transfer-encoding',
              'connection',
              'authorization',
            ].includes(h),
        );
        for (const h of names) {
          expect(h).toMatch(
            /^x-(sai-contract|flow|correlation-id|tenant-id|user-id|user-role|consumer-key|subscription-tier|api-name|api-version)$/,
          );
        }
      },
    );
  });
});
