/** Comparisons the conformance vectors call for (see ../../../../../shared/conformance/README.md). */
import { readXml } from '../xmlReader';

/** XML in a canonical text form: whitespace-only text and whitespace inside PIs ignored, empty elements expanded. */
export function canonicalXml(xml: string): string {
  const out: string[] = [];
  readXml(xml, {
    startElement(qname, _p, _l, _u, attributes, declarations) {
      const decl = declarations.map((d) => ` xmlns${d.prefix ? `:${d.prefix}` : ''}="${d.uri}"`).join('');
      out.push(`<${qname}${decl}${attributes.map((a) => ` ${a.qname}="${a.value}"`).join('')}>`);
    },
    endElement() {
      out.push('</>');
    },
    text(text) {
      if (!/^[ \t\r\n]*$/.test(text)) out.push(JSON.stringify(text));
    },
    processingInstruction(target, data) {
      out.push(`<?${target} ${data.trim().replace(/\s+/g, ' ')}?>`);
    },
  });
  return out.join('');
}

/** JSON tokens: punctuation, strings by decoded value, numbers and literals by their exact text. */
export function jsonTokens(json: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(?:([{}[\]:,])|("(?:[^"\\]|\\.)*")|(-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null))/y;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < json.length && (m = re.exec(json)) !== null) {
    pos = re.lastIndex;
    tokens.push(m[1] ?? (m[2] !== undefined ? `s:${JSON.parse(m[2]) as string}` : `n:${m[3]}`));
  }
  if (json.slice(pos).trim() !== '') throw new Error(`not JSON at ${pos}: ${json.slice(pos, pos + 20)}`);
  return tokens;
}
