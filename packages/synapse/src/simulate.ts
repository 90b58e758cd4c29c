/**
 * @fileoverview A step-by-step interpreter for the Synapse subset the generators emit, so tests can
 * run a generated fragment against a simulated sidecar and see what the gateway would do: continue
 * with which body, answer the client with what, or raise a fault.
 *
 * The semantics follow wso2-synapse: a blocking `call` that gets an answer replaces the body and
 * sets `HTTP_SC`; a failed call (timeout, refused connection, or an error status the sender reports
 * as a fault) stops the flow and runs the innermost `onError` sequence. Filters use Java's
 * `String.matches` (the whole value must match). Anything outside the subset throws, so a generator
 * that starts emitting something new fails its tests until the simulator learns it.
 */
import { XMLParser } from 'fast-xml-parser';

type Node = Record<string, unknown>;

export interface SimMessage {
  body: string;
  /** Default-scope (synapse) properties. */
  ctx: Record<string, string>;
  axis2: Record<string, string>;
  transport: Record<string, string>;
}

export interface SidecarRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export type SidecarAnswer = { status: number; body: string } | { failure: 'timeout' | 'refused' };

export interface SimOptions {
  sidecar: (req: SidecarRequest) => SidecarAnswer;
  /** Which HTTP error statuses the blocking sender reports as a fault (default: every non-2xx). */
  faultOnStatus?: (status: number) => boolean;
  /** Named sequences (`<sequence key>` and `onError` targets), as XML. */
  sequences?: Record<string, string>;
  /** Named endpoints, as XML. */
  endpoints?: Record<string, string>;
  /** `{{attr}}` values for `.j2` fragments. */
  attributes?: Record<string, string>;
  /** `call-template` parameter values for templates. */
  params?: Record<string, string>;
  vault?: Record<string, string>;
  configs?: Record<string, string>;
}

export type SimOutcome = 'continue' | 'respond' | 'drop' | 'fault';

export interface SimResult {
  outcome: SimOutcome;
  message: SimMessage;
  calls: SidecarRequest[];
  logs: Array<Record<string, string>>;
}

class Stop {
  constructor(readonly outcome: 'respond' | 'drop') {}
}
class Fault {
  constructor(readonly reason: string) {}
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  commentPropName: '#comment',
  cdataPropName: '#cdata',
});

function parse(xml: string): Node[] {
  return parser.parse(xml) as Node[];
}

function nameOf(n: Node): string {
  return Object.keys(n).find((k) => k !== ':@')!;
}
function attrs(n: Node): Record<string, string> {
  return (n[':@'] as Record<string, string> | undefined) ?? {};
}
function kids(n: Node): Node[] {
  return (n[nameOf(n)] as Node[] | undefined) ?? [];
}
function elements(n: Node): Node[] {
  return kids(n).filter((k) => {
    const name = nameOf(k);
    return name !== '#text' && name !== '#comment';
  });
}
function child(n: Node, name: string): Node | undefined {
  return elements(n).find((k) => nameOf(k) === name);
}
function textOf(n: Node | undefined): string {
  if (!n) return '';
  let s = '';
  for (const k of kids(n)) {
    const name = nameOf(k);
    if (name === '#text') s += String(k['#text']);
    else if (name === '#cdata')
      s += kids(k)
        .map((t) => String(t['#text']))
        .join('');
  }
  return s;
}

/** Renders a `.j2` fragment's `{{attr}}` placeholders; an undeclared one throws. */
export function renderJ2(source: string, attributes: Record<string, string>): string {
  return source.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, name: string) => {
    if (!(name in attributes)) throw new Error(`The fragment uses {{${name}}} but no value was given for it.`);
    return attributes[name]!;
  });
}

class Interpreter {
  readonly calls: SidecarRequest[] = [];
  readonly logs: Array<Record<string, string>> = [];
  constructor(
    readonly msg: SimMessage,
    readonly opts: SimOptions,
    readonly func: Record<string, string>,
  ) {}

  expr(e: string): string {
    const m = /^\$(ctx|axis2|trp|func):([A-Za-z0-9_.-]+)$/.exec(e);
    if (m) {
      const [, scope, key] = m as unknown as [string, string, string];
      const src =
        scope === 'ctx'
          ? this.msg.ctx
          : scope === 'axis2'
            ? this.msg.axis2
            : scope === 'trp'
              ? this.msg.transport
              : this.func;
      return src[key] ?? '';
    }
    if (e === "get-property('MessageID')") return 'urn:uuid:sim-message';
    const vault = /^fn:concat\('([^']*)', wso2:vault-lookup\('([^']+)'\)\)$/.exec(e);
    if (vault) return vault[1]! + (this.opts.vault?.[vault[2]!] ?? '');
    throw new Error(`The simulator does not know the expression ${JSON.stringify(e)}.`);
  }

  scopeMap(scope: string | undefined): Record<string, string> {
    if (scope === undefined || scope === 'default') return this.msg.ctx;
    if (scope === 'axis2') return this.msg.axis2;
    if (scope === 'transport') return this.msg.transport;
    throw new Error(`The simulator does not know property scope "${scope}".`);
  }

  run(list: Node[]): void {
    for (const n of list) {
      const name = nameOf(n);
      if (name === '#text' || name === '#comment') continue;
      this.step(n, name);
    }
  }

  step(n: Node, name: string): void {
    const a = attrs(n);
    switch (name) {
      case 'property': {
        const map = this.scopeMap(a.scope);
        if (a.action === 'remove') delete map[a.name!];
        else if (a.value !== undefined) map[a.name!] = a.value;
        else if (a.expression !== undefined) map[a.name!] = this.expr(a.expression);
        else throw new Error(`<property name="${a.name}"> has neither value nor expression.`);
        return;
      }
      case 'header':
        if (a.name === 'To' && a.action === 'remove') return;
        throw new Error(`The simulator does not know <header name="${a.name}">.`);
      case 'enrich': {
        const source = attrs(child(n, 'source')!);
        const target = attrs(child(n, 'target')!);
        let value: string;
        if (source.type === 'body') value = this.msg.body;
        else if (source.type === 'property') value = this.msg.ctx[source.property!] ?? '';
        else throw new Error(`The simulator does not know enrich source type "${source.type}".`);
        if (target.type === 'body') this.msg.body = value;
        else if (target.type === 'property') this.msg.ctx[target.property!] = value;
        else throw new Error(`The simulator does not know enrich target type "${target.type}".`);
        return;
      }
      case 'payloadFactory': {
        const format = textOf(child(n, 'format'));
        const args = elements(child(n, 'args') ?? { args: [] }).map((arg) => {
          const aa = attrs(arg);
          return aa.value ?? this.expr(aa.expression!);
        });
        this.msg.body = format.replace(/\$(\d+)/g, (_, i: string) => args[Number(i) - 1] ?? '');
        return;
      }
      case 'filter': {
        if (a.xpath !== undefined) throw new Error('The simulator does not evaluate filter xpath.');
        const value = this.expr(a.source!);
        const matched = new RegExp(`^(?:${a.regex})$`, 's').test(value);
        const branch = child(n, matched ? 'then' : 'else');
        if (branch) this.run(kids(branch));
        return;
      }
      case 'log': {
        const rec: Record<string, string> = { category: a.category ?? 'INFO' };
        for (const p of elements(n)) {
          const pa = attrs(p);
          rec[pa.name!] = pa.value ?? this.expr(pa.expression!);
        }
        this.logs.push(rec);
        return;
      }
      case 'respond':
        throw new Stop('respond');
      case 'drop':
        throw new Stop('drop');
      case 'sequence': {
        if (a.key === undefined) throw new Error('An inline <sequence> without key is outside the generated subset.');
        const xml = this.opts.sequences?.[a.key];
        if (xml === undefined) throw new Error(`No sequence named "${a.key}" was given to the simulator.`);
        this.runSequence(xml);
        return;
      }
      case 'call':
        this.call(n);
        return;
      case 'send':
        throw new Error('Generated artefacts must never use <send>.');
      default:
        throw new Error(`The simulator does not know <${name}>.`);
    }
  }

  runSequence(xml: string): void {
    const root = parse(xml).find((k) => nameOf(k) === 'sequence');
    if (!root) throw new Error('Expected a <sequence> document.');
    const onError = attrs(root).onError;
    try {
      this.run(kids(root));
    } catch (e) {
      if (e instanceof Fault && onError !== undefined) {
        const handler = this.opts.sequences?.[onError];
        if (handler === undefined) throw new Error(`No sequence named "${onError}" (onError) was given.`);
        this.runSequence(handler);
        throw new Stop('drop'); // a fault handler ends the flow; whatever it sent is the outcome
      }
      throw e;
    }
  }

  call(n: Node): void {
    if (attrs(n).blocking !== 'true') throw new Error('Generated artefacts must only use <call blocking="true">.');
    const endpoint = child(n, 'endpoint')!;
    let http: Node | undefined = child(endpoint, 'http');
    if (!http) {
      const key = attrs(endpoint).key;
      const xml = key === undefined ? undefined : this.opts.endpoints?.[key];
      if (xml === undefined) throw new Error(`No endpoint named "${key}" was given to the simulator.`);
      http = child(
        parse(xml).find((k) => nameOf(k) === 'endpoint')!,
        'http',
      );
    }
    const ha = attrs(http!);
    if (ha.method !== 'post') throw new Error('The sidecar is called with POST.');
    const timeout = Number(textOf(child(child(http!, 'timeout')!, 'duration')));
    if (!Number.isInteger(timeout) || timeout <= 0) throw new Error(`Endpoint timeout "${timeout}" is not a duration.`);
    if (textOf(child(child(http!, 'timeout')!, 'responseAction')) !== 'fault') {
      throw new Error('The endpoint timeout must raise a fault.');
    }
    let url = ha['uri-template']!.replace(/\{(uri\.var\.[A-Za-z0-9_.]+)\}/g, (_, v: string) => this.msg.ctx[v] ?? '');
    url = url.replace(/\$\{configs\.([A-Za-z0-9_.]+)\}/g, (_, v: string) => {
      const value = this.opts.configs?.[v];
      if (value === undefined) throw new Error(`\${configs.${v}} is not set.`);
      return value;
    });
    if (!/^https?:\/\//.test(url)) throw new Error(`The call would go to "${url}", which is not an http(s) URL.`);
    const req: SidecarRequest = { url, headers: { ...this.msg.transport }, body: this.msg.body, timeoutMs: timeout };
    this.calls.push(req);
    const answer = this.opts.sidecar(req);
    if ('failure' in answer) throw new Fault(answer.failure);
    const ok = answer.status >= 200 && answer.status < 300;
    this.msg.axis2.HTTP_SC = String(answer.status);
    this.msg.body = answer.body;
    if (!ok && (this.opts.faultOnStatus ?? (() => true))(answer.status)) throw new Fault(`HTTP ${answer.status}`);
  }
}

function cloneMessage(m: SimMessage): SimMessage {
  return { body: m.body, ctx: { ...m.ctx }, axis2: { ...m.axis2 }, transport: { ...m.transport } };
}

function finish(it: Interpreter, body: () => void): SimResult {
  let outcome: SimOutcome = 'continue';
  try {
    body();
  } catch (e) {
    if (e instanceof Stop) outcome = e.outcome;
    else if (e instanceof Fault) outcome = 'fault';
    else throw e;
  }
  return { outcome, message: it.msg, calls: it.calls, logs: it.logs };
}

/**
 * Runs a mediator fragment (an APIM `.j2`, rendered with `attributes`) or a whole sequence or
 * template document. When the fragment faults, `faultHandler` (a fragment, as the APIM fault flow
 * runs it) is run next, as the gateway would.
 */
export function simulate(
  source: string,
  input: SimMessage,
  opts: SimOptions & { faultHandler?: string },
): SimResult & { faultHandled: boolean } {
  const msg = cloneMessage(input);
  const xml = opts.attributes ? renderJ2(source, opts.attributes) : source;
  const doc = parse(`<root>${xml.replace(/^<\?xml[^>]*\?>/, '')}</root>`)[0]!;
  const roots = elements(doc);
  let func: Record<string, string> = {};
  let body: Node[] = kids(doc);
  let onError: string | undefined;
  if (roots.length === 1 && nameOf(roots[0]!) === 'template') {
    const t = roots[0]!;
    for (const p of elements(t).filter((k) => nameOf(k) === 'parameter')) {
      const pa = attrs(p);
      if (pa.defaultValue !== undefined) func[pa.name!] = pa.defaultValue;
    }
    func = { ...func, ...(opts.params ?? {}) };
    body = kids(child(t, 'sequence')!);
  } else if (roots.length === 1 && nameOf(roots[0]!) === 'sequence' && attrs(roots[0]!).name !== undefined) {
    body = kids(roots[0]!);
    onError = attrs(roots[0]!).onError;
  }
  const it = new Interpreter(msg, opts, func);
  let faulted = false;
  const result = finish(it, () => {
    try {
      it.run(body);
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
      faulted = true;
      const handlerXml = opts.faultHandler ?? (onError !== undefined ? opts.sequences?.[onError] : undefined);
      if (handlerXml === undefined) throw e;
      const handlerDoc = parse(`<root>${renderJ2(handlerXml, {})}</root>`)[0]!;
      const handlerRoots = elements(handlerDoc);
      const handlerBody =
        handlerRoots.length === 1 && nameOf(handlerRoots[0]!) === 'sequence'
          ? kids(handlerRoots[0]!)
          : kids(handlerDoc);
      it.run(handlerBody);
      // A fault handler that neither responds nor drops leaves the fault to the next handler.
      throw e;
    }
  });
  return { ...result, faultHandled: faulted && result.outcome !== 'fault' };
}
