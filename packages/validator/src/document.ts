/**
 * @fileoverview Documents as the rules see them: an element tree with exact line and column for
 * every element and attribute, built with json-xml's strict reader (which also gives
 * well-formedness errors their position). `.j2` policy templates are read as the gateway renders
 * them: Jinja statements (`{% … %}`, `{# … #}`) blanked out with their line breaks kept, `{{attr}}`
 * kept as text, and the fragment wrapped in a `<sequence>` as API Manager wraps it.
 */
import { lineColumn, readXml, type XmlHandler } from '@synapse-ai/json-xml';
import { parse as parseYaml } from 'yaml';

export const SYNAPSE_NS = 'http://ws.apache.org/ns/synapse';

export interface Position {
  line: number;
  column: number;
}

export interface XAttribute extends Position {
  name: string;
  local: string;
  uri: string;
  value: string;
}

export interface XElement extends Position {
  name: string;
  local: string;
  uri: string;
  attributes: XAttribute[];
  children: XElement[];
  /** Text directly inside the element (CDATA included), concatenated. */
  text: string;
  parent: XElement | null;
}

export interface XComment extends Position {
  text: string;
}

/** An APIM policy specification (`.yaml` / `.yml` / `.json` beside a `.j2`). */
export interface PolicySpec {
  file: string;
  name?: string;
  version?: string;
  attributes: Array<{
    name: string;
    type?: string;
    required?: boolean;
    validationRegex?: string;
    defaultValue?: unknown;
  }>;
  applicableFlows?: string[];
  /** The specification's data as read (inside the `operation_policy_specification` envelope). */
  data?: Record<string, unknown>;
  /** A problem reading the spec (bad YAML/JSON), with position. */
  error?: { message: string } & Position;
}

export type DocumentKind = 'synapse' | 'j2' | 'other';

export interface SynDocument {
  file: string;
  source: string;
  kind: DocumentKind;
  /** For `.j2`, the fragment's root: the wrapping `<sequence>`; else the document element. */
  root: XElement | null;
  comments: XComment[];
  /** A well-formedness problem, with position in the original file. */
  parseError?: { message: string } & Position;
  /** What makes the text after the document element malformed (Synapse reads only the root). */
  trailingContent?: { message: string } & Position;
  /** For `.j2`: the paired specification, when one was found. */
  spec?: PolicySpec;
}

const J2_WRAP_OPEN = `<sequence xmlns="${SYNAPSE_NS}" name="policy">`;

/** Blanks Jinja statements and comments, keeping every line break so positions stay exact. */
export function blankJinja(source: string): string {
  return source.replace(/\{%[\s\S]*?%\}|\{#[\s\S]*?#\}/g, (m) => m.replace(/[^\n]/g, ' '));
}

class TreeBuilder implements XmlHandler {
  root: XElement | null = null;
  private stack: XElement[] = [];
  readonly comments: XComment[] = [];
  constructor(private readonly pos: (offset: number) => Position) {}

  startElement(
    qname: string,
    _prefix: string,
    local: string,
    uri: string,
    attributes: Array<{ qname: string; local: string; uri: string; value: string }>,
    _decls: unknown,
    ordered: ReadonlyArray<readonly [string, string]>,
    at: { start: number; attributes: readonly number[] },
  ): void {
    const offsets = new Map<string, number>();
    ordered.forEach(([name], i) => offsets.set(name, at.attributes[i]!));
    const parent = this.stack[this.stack.length - 1] ?? null;
    const el: XElement = {
      name: qname,
      local,
      uri,
      ...this.pos(at.start),
      attributes: attributes.map((a) => ({
        name: a.qname,
        local: a.local,
        uri: a.uri,
        value: a.value,
        ...this.pos(offsets.get(a.qname) ?? at.start),
      })),
      children: [],
      text: '',
      parent,
    };
    if (parent) parent.children.push(el);
    else this.root = el;
    this.stack.push(el);
  }
  endElement(): void {
    this.stack.pop();
  }
  text(text: string): void {
    const top = this.stack[this.stack.length - 1];
    if (top) top.text += text;
  }
  processingInstruction(): void {}
  comment(text: string, offset: number): void {
    this.comments.push({ text, ...this.pos(offset) });
  }
  outerComment(text: string, offset: number): void {
    this.comments.push({ text, ...this.pos(offset) });
  }
}

function parseTree(
  xml: string,
  pos: (offset: number) => Position,
  rootOnly = false,
): {
  root: XElement | null;
  comments: XComment[];
  error?: { message: string } & Position;
  trailing?: { message: string } & Position;
} {
  const builder = new TreeBuilder(pos);
  try {
    readXml(xml, builder);
    return { root: builder.root, comments: builder.comments };
  } catch (err) {
    const e = err as Error & { offset?: number; line?: number; column?: number };
    // json-xml's errors carry the position in the (possibly wrapped) text; map it back.
    const m = /at line (\d+), column (\d+)/.exec(e.message);
    const where = m !== null ? toOffset(xml, Number(m[1]), Number(m[2])) : typeof e.offset === 'number' ? e.offset : 0;
    const message = e.message
      .replace(/^(Malformed )?XML at line \d+, column \d+(: | )/, '')
      .replace(/^has a /, 'has a ');
    const error = { message, ...pos(where) };
    if (rootOnly) {
      // Synapse's deployers read the document element and nothing after it: content after the root
      // (a stray end tag, a second element) deploys and is ignored
      const again = new TreeBuilder(pos);
      try {
        readXml(xml, again, { stopAfterRoot: true });
        if (again.root) return { root: again.root, comments: again.comments, trailing: error };
      } catch {
        // the root itself is broken: report the error
      }
    }
    return { root: null, comments: builder.comments, error };
  }
}

function toOffset(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl === -1) break;
    offset = nl + 1;
  }
  return offset + column - 1;
}

/** Reads a policy specification: bare JSON, bare YAML, or the `operation_policy_specification` envelope. */
export function readSpec(file: string, text: string): PolicySpec {
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    const e = err as Error & { linePos?: Array<{ line: number; col: number }> };
    const lp = e.linePos?.[0];
    let where: Position = { line: lp?.line ?? 1, column: lp?.col ?? 1 };
    const m = /position (\d+)/.exec(e.message);
    if (m) where = lineColumn(text, Number(m[1]));
    return { file, attributes: [], error: { message: e.message.split('\n')[0]!, ...where } };
  }
  const obj = (raw ?? {}) as Record<string, unknown>;
  const data = (obj.type === 'operation_policy_specification' && obj.data ? obj.data : obj) as Record<string, unknown>;
  const attrs = Array.isArray(data.policyAttributes) ? (data.policyAttributes as PolicySpec['attributes']) : [];
  return {
    file,
    ...(typeof data.name === 'string' ? { name: data.name } : {}),
    ...(typeof data.version === 'string' ? { version: data.version } : {}),
    attributes: attrs.filter((a) => a && typeof a.name === 'string'),
    ...(Array.isArray(data.applicableFlows) ? { applicableFlows: data.applicableFlows as string[] } : {}),
    data,
  };
}

/** Parses one file. `spec` is the paired specification of a `.j2`, when there is one. */
export function parseDocument(file: string, source: string, spec?: PolicySpec): SynDocument {
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  if (file.endsWith('.j2')) {
    const blanked = blankJinja(text);
    // The prolog check is a rule; here a leading prolog must not stop the parse.
    const prolog = /^\s*<\?xml[^>]*\?>/.exec(blanked);
    const body = prolog
      ? blanked.slice(0, prolog.index) + ' '.repeat(prolog[0].length) + blanked.slice(prolog[0].length)
      : blanked;
    const wrapped = `${J2_WRAP_OPEN}${body}</sequence>`;
    const shift = J2_WRAP_OPEN.length;
    const pos = (offset: number): Position => lineColumn(text, Math.max(0, Math.min(offset - shift, text.length)));
    const { root, comments, error } = parseTree(wrapped, pos);
    return {
      file,
      source: text,
      kind: 'j2',
      root,
      comments,
      ...(error ? { parseError: error } : {}),
      ...(spec ? { spec } : {}),
    };
  }
  const { root, comments, error, trailing } = parseTree(text, (o) => lineColumn(text, o), true);
  const isSynapse = root !== null && (root.uri === SYNAPSE_NS || SYNAPSE_ROOTS.has(root.local));
  return {
    file,
    source: text,
    kind: error ? 'synapse' : isSynapse ? 'synapse' : 'other',
    root,
    comments,
    ...(error ? { parseError: error } : {}),
    ...(trailing ? { trailingContent: trailing } : {}),
  };
}

/** Document elements of Synapse artefacts. */
export const SYNAPSE_ROOTS = new Set([
  'definitions',
  'sequence',
  'template',
  'api',
  'proxy',
  'endpoint',
  'localEntry',
  'inboundEndpoint',
  'task',
  'messageStore',
  'messageProcessor',
]);

/** Every element of the tree, depth first. */
export function* walk(el: XElement | null): Generator<XElement> {
  if (!el) return;
  yield el;
  for (const c of el.children) yield* walk(c);
}

export function attr(el: XElement, name: string): XAttribute | undefined {
  return el.attributes.find((a) => a.name === name);
}
