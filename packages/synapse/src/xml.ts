/**
 * @fileoverview A small XML tree and its writer. Generators build trees (through the mediator model
 * in `model.ts`); nothing in this package concatenates XML strings. Output is deterministic:
 * attributes in the order given, four-space indentation, `\n` line ends.
 */

export interface XmlElement {
  readonly type: 'element';
  readonly name: string;
  /** Attribute pairs in output order; `undefined` values are left out. */
  readonly attrs: ReadonlyArray<readonly [string, string | undefined]>;
  readonly children: readonly XmlNode[];
}

export interface XmlText {
  readonly type: 'text';
  readonly text: string;
  /** Write as a CDATA section (payloads, JSON formats). */
  readonly cdata?: boolean;
}

export interface XmlComment {
  readonly type: 'comment';
  readonly text: string;
}

export type XmlNode = XmlElement | XmlText | XmlComment;

export const SYNAPSE_NS = 'http://ws.apache.org/ns/synapse';

export function el(
  name: string,
  attrs: Record<string, string | number | boolean | undefined> | null = null,
  ...children: ReadonlyArray<XmlNode | readonly XmlNode[] | string | null | undefined | false>
): XmlElement {
  const pairs: Array<readonly [string, string | undefined]> = [];
  for (const [k, v] of Object.entries(attrs ?? {})) pairs.push([k, v === undefined ? undefined : String(v)]);
  const kids: XmlNode[] = [];
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (typeof c === 'string') kids.push({ type: 'text', text: c });
    else if (Array.isArray(c)) kids.push(...(c as readonly XmlNode[]));
    else kids.push(c as XmlNode);
  }
  return { type: 'element', name, attrs: pairs, children: kids };
}

export function text(value: string, cdata = false): XmlText {
  return { type: 'text', text: value, cdata };
}

export function comment(value: string): XmlComment {
  return { type: 'comment', text: value };
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;
// Characters XML 1.0 cannot carry at all, even escaped.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_RE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function checkChars(value: string, where: string): void {
  const m = FORBIDDEN_RE.exec(value);
  if (m) {
    throw new Error(
      `${where} contains the control character U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}, which XML 1.0 cannot carry. Fix: remove it from the value.`,
    );
  }
}

export function escapeAttribute(value: string): string {
  return value.replace(/[&<>"\n\r\t]/g, (c) =>
    c === '&'
      ? '&amp;'
      : c === '<'
        ? '&lt;'
        : c === '>'
          ? '&gt;'
          : c === '"'
            ? '&quot;'
            : c === '\n'
              ? '&#10;'
              : c === '\r'
                ? '&#13;'
                : '&#9;',
  );
}

export function escapeText(value: string): string {
  return value.replace(/[&<>]|\r/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

function writeAttrs(node: XmlElement): string {
  let out = '';
  const seen = new Set<string>();
  for (const [k, v] of node.attrs) {
    if (v === undefined) continue;
    if (!NAME_RE.test(k)) throw new Error(`<${node.name}>: "${k}" is not a valid attribute name.`);
    if (seen.has(k)) throw new Error(`<${node.name}>: attribute "${k}" is given twice.`);
    seen.add(k);
    checkChars(v, `<${node.name} ${k}>`);
    out += ` ${k}="${escapeAttribute(v)}"`;
  }
  return out;
}

function writeNode(node: XmlNode, depth: number, indent: string, lines: string[]): void {
  const pad = indent.repeat(depth);
  if (node.type === 'comment') {
    if (node.text.includes('--') || node.text.endsWith('-')) {
      throw new Error(`An XML comment cannot contain "--" or end with "-": ${JSON.stringify(node.text.slice(0, 60))}`);
    }
    checkChars(node.text, 'comment');
    lines.push(`${pad}<!-- ${node.text} -->`);
    return;
  }
  if (node.type === 'text') {
    lines.push(pad + writeText(node));
    return;
  }
  if (!NAME_RE.test(node.name)) throw new Error(`"${node.name}" is not a valid element name.`);
  const open = `${pad}<${node.name}${writeAttrs(node)}`;
  if (node.children.length === 0) {
    lines.push(`${open}/>`);
    return;
  }
  if (node.children.every((c) => c.type === 'text')) {
    lines.push(`${open}>${node.children.map((c) => writeText(c as XmlText)).join('')}</${node.name}>`);
    return;
  }
  lines.push(`${open}>`);
  for (const child of node.children) writeNode(child, depth + 1, indent, lines);
  lines.push(`${pad}</${node.name}>`);
}

function writeText(node: XmlText): string {
  checkChars(node.text, 'text');
  if (node.cdata) {
    // A CDATA section cannot contain "]]>"; split it across two sections.
    return `<![CDATA[${node.text.split(']]>').join(']]]]><![CDATA[>')}]]>`;
  }
  return escapeText(node.text);
}

/** Writes nodes as XML text (no prolog). Each top-level node starts on its own line. */
export function writeXml(nodes: XmlNode | readonly XmlNode[], options: { indent?: string } = {}): string {
  const lines: string[] = [];
  for (const n of Array.isArray(nodes) ? (nodes as readonly XmlNode[]) : [nodes as XmlNode]) {
    writeNode(n, 0, options.indent ?? '    ', lines);
  }
  return lines.join('\n') + '\n';
}
