/**
 * How the differential test compares this converter's output with WSO2's. XML is compared as an
 * XML parser would read it (entities and character references decoded, `<a/>` equal to `<a></a>`,
 * raw line ends normalised, nothing else ignored): two serializations that read the same are the same
 * document, and whitespace, text and attribute order all count. JSON is compared token by token with
 * numbers by their exact text (`1.0` is not `1`) and duplicate keys kept.
 */
import { jsonToXml } from '../../jsonToXml';
import { xmlToJson } from '../../xmlToJson';
import { jsonTokens } from '../compare';

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Text or an attribute value as a parser reads it: raw line ends (in attributes, raw tabs and line ends) normalised first, then references decoded. */
function decode(raw: string, attribute = false): string {
  return (attribute ? raw.replace(/\r\n|[\r\n\t]/g, ' ') : raw.replace(/\r\n?/g, '\n')).replace(
    /&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g,
    (m, e: string) =>
      e[0] === '#'
        ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10))
        : (ENTITIES[e] ?? m),
  );
}

/**
 * The XML as a list of events. Lenient on purpose: WSO2 writes documents no strict parser reads
 * (element names with control characters, `&#xffff;`), and those must compare too.
 * @returns the events, or null when the text is not even tag-structured.
 */
export function xmlEvents(xml: string): string[] | null {
  const out: string[] = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') out.push(`t${JSON.stringify(text)}`);
    text = '';
  };
  const re =
    /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?([^\s?]+)([\s\S]*?)\?>|<\/([^>\s]+)\s*>|<([^\s/>]+)((?:\s+[^\s=>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < xml.length && (m = re.exec(xml)) !== null) {
    pos = re.lastIndex;
    if (m[1] !== undefined) text += m[1];
    else if (m[2] !== undefined) {
      flush();
      if (m[2] !== 'xml') out.push(`?${m[2]} ${m[3].trim()}`);
    } else if (m[4] !== undefined) {
      flush();
      out.push(`/${m[4]}`);
    } else if (m[5] !== undefined) {
      flush();
      const attrs: string[] = [];
      const ar = /([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
      let a: RegExpExecArray | null;
      while ((a = ar.exec(m[6])) !== null) {
        attrs.push(`${a[1]}=${JSON.stringify(decode(a[2] ?? a[3], true))}`);
      }
      out.push(`<${m[5]} ${attrs.join(' ')}`);
      if (m[7] === '/') out.push(`/${m[5]}`);
    } else if (m[8] !== undefined) text += decode(m[8]);
    else if (!m[0].startsWith('<!--')) return null;
  }
  if (pos < xml.length) return null;
  flush();
  return out;
}

export type Direction = 'json2xml' | 'xml2json';

/** What one side produced: its output, or that it refused the input. */
export type Outcome = { ok: true; output: string } | { ok: false; error: string };

/** This converter on one input, the way the differential calls it. */
export function ours(direction: Direction, input: string, props: Readonly<Record<string, string>>): Outcome {
  try {
    return { ok: true, output: direction === 'json2xml' ? jsonToXml(input, props) : xmlToJson(input, props) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/**
 * Whether two outcomes agree: both refused, or both produced the same document.
 * @returns null when they agree, else a one-line description of the difference.
 */
export function difference(direction: Direction, a: Outcome, b: Outcome): string | null {
  if (!a.ok || !b.ok) {
    if (!a.ok && !b.ok) return null;
    return a.ok
      ? `ours converts, WSO2 refuses (${(b as { error: string }).error})`
      : `ours refuses (${a.error}), WSO2 converts`;
  }
  if (a.output === b.output) return null;
  if (direction === 'json2xml') {
    const x = xmlEvents(a.output);
    const y = xmlEvents(b.output);
    if (x !== null && y !== null && x.join('\n') === y.join('\n')) return null;
    return 'different XML';
  }
  let x: string[];
  let y: string[];
  try {
    x = jsonTokens(a.output);
    y = jsonTokens(b.output);
  } catch {
    return 'different JSON';
  }
  return x.join('\u0000') === y.join('\u0000') ? null : 'different JSON';
}
