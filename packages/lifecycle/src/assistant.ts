/**
 * @fileoverview The developer-portal assistant: OpenAPI documents, Markdown pages and policy READMEs
 * indexed with MiniSearch (BM25+ ranking), and answers built from the retrieved passages with
 * citations (file and heading, or file and operation). Without a model the answer is the best
 * extractive passages; a model, where one is used, may only rephrase the passages it is given
 * ({@link groundedPrompt}) and the answer keeps their citations. Nothing relevant found: a refusal.
 */
import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import MiniSearch from 'minisearch';
import { parse as parseYaml } from 'yaml';
import type { Complete } from './model';

export interface Passage {
  id: string;
  /** The file it came from, as given. */
  file: string;
  /** The heading path (`Quotas › Tiers`) or the operation (`GET /orders/{id}`). */
  heading: string;
  text: string;
}

export interface Citation {
  file: string;
  heading: string;
}

export interface Answer {
  answered: boolean;
  /** The answer text; with `answered: false`, why there is none. */
  text: string;
  citations: Citation[];
  passages: (Passage & { score: number })[];
}

/** Markdown sections: one passage per heading, with the headings above it as its path. */
export function markdownPassages(file: string, markdown: string): Passage[] {
  const out: Passage[] = [];
  const trail: string[] = [];
  let body: string[] = [];
  let heading = '';
  let inFence = false;
  const flush = (): void => {
    const text = body.join('\n').trim();
    if (text !== '' || heading !== '') out.push({ id: `${file}#${out.length}`, file, heading: heading || file, text });
    body = [];
  };
  for (const line of markdown.split('\n')) {
    if (/^(```|~~~)/.test(line)) inFence = !inFence;
    const m = inFence ? null : /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (m) {
      flush();
      trail.length = m[1]!.length - 1;
      trail[m[1]!.length - 1] = m[2]!;
      heading = trail.filter(Boolean).join(' › ');
    } else body.push(line);
  }
  flush();
  return out.filter((p) => p.text !== '');
}

/** OpenAPI operations (and the document's description) as passages. */
export function openApiPassages(file: string, text: string): Passage[] {
  let doc: Record<string, unknown>;
  try {
    doc = (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${file} is not a JSON or YAML OpenAPI document (${(err as Error).message})`);
  }
  const out: Passage[] = [];
  const info = doc.info as { title?: string; description?: string } | undefined;
  if (info?.description) out.push({ id: `${file}#info`, file, heading: info.title ?? file, text: info.description });
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Record<string, unknown>>)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(method)) continue;
      const o = op as {
        summary?: string;
        description?: string;
        parameters?: { name: string; in: string; description?: string }[];
        responses?: Record<string, { description?: string }>;
      };
      const params = (o.parameters ?? []).map((p) => `${p.name} (${p.in})${p.description ? `: ${p.description}` : ''}`);
      const responses = Object.entries(o.responses ?? {}).map(
        ([s, r]) => `${s}${r.description ? ` ${r.description}` : ''}`,
      );
      const text = [
        o.summary,
        o.description,
        params.length > 0 ? `Parameters: ${params.join('; ')}.` : '',
        responses.length > 0 ? `Responses: ${responses.join('; ')}.` : '',
      ]
        .filter(Boolean)
        .join(' ');
      out.push({ id: `${file}#${method} ${path}`, file, heading: `${method.toUpperCase()} ${path}`, text });
    }
  }
  return out;
}

/** Passages of a file by its kind (`.md`, `.yaml`/`.yml`/`.json` OpenAPI documents). */
export function passagesOf(file: string, text: string): Passage[] {
  if (/\.(md|markdown)$/i.test(file)) return markdownPassages(file, text);
  if (/\.(ya?ml|json)$/i.test(file)) return openApiPassages(file, text);
  return [];
}

const STOP = new Set(
  'a an and are as at be by can do does for from how i in is it of on or the to what when where which who why with my me you your this that'.split(
    ' ',
  ),
);

export class DocsIndex {
  private readonly search = new MiniSearch<Passage>({
    fields: ['heading', 'text'],
    storeFields: ['file', 'heading', 'text'],
    processTerm: (t) => {
      const w = t.toLowerCase();
      return STOP.has(w) ? null : w;
    },
    searchOptions: { boost: { heading: 2 }, prefix: (t) => t.length > 3, fuzzy: (t) => (t.length > 5 ? 0.2 : false) },
  });
  private count = 0;

  add(passages: readonly Passage[]): void {
    this.search.addAll(passages);
    this.count += passages.length;
  }

  get size(): number {
    return this.count;
  }

  /** The passages that answer `question` best, at most `limit`. */
  retrieve(question: string, limit = 5): (Passage & { score: number })[] {
    return this.search
      .search(question, { combineWith: 'OR' })
      .slice(0, limit)
      .map((r) => ({
        id: String(r.id),
        file: r.file as string,
        heading: r.heading as string,
        text: r.text as string,
        score: r.score,
      }));
  }

  /**
   * The extractive answer: the sentences of the best passages that share the most terms with the
   * question, with their citations. Refuses when no passage shares enough with the question.
   */
  answer(question: string, { limit = 3, minScore = 2 } = {}): Answer {
    const terms = new Set(
      question
        .toLowerCase()
        .split(/[^\p{L}\p{N}_-]+/u)
        .filter((w) => w.length > 1 && !STOP.has(w)),
    );
    const passages = this.retrieve(question, limit).filter((p) => p.score >= minScore);
    if (passages.length === 0 || terms.size === 0)
      return {
        answered: false,
        text: 'Nothing in the indexed documentation answers this. Rephrase with the names the documentation uses, or ask the API team.',
        citations: [],
        passages: [],
      };
    const parts = passages.map((p) => {
      const sentences = p.text
        .replace(/```[\s\S]*?```/g, ' ')
        .split(/(?<=[.!?])\s+|\n{2,}/)
        .map((s) => s.replace(/\s+/g, ' ').trim())
        .filter((s) => s.length > 0);
      const scored = sentences.map((s, i) => ({
        s,
        i,
        hits: [...terms].filter((t) => s.toLowerCase().includes(t)).length,
      }));
      const best = scored
        .filter((x) => x.hits > 0)
        .sort((a, b) => b.hits - a.hits || a.i - b.i)
        .slice(0, 2)
        .sort((a, b) => a.i - b.i)
        .map((x) => x.s);
      return { p, text: (best.length > 0 ? best : sentences.slice(0, 1)).join(' ') };
    });
    return {
      answered: true,
      text: parts.map((x, i) => `${x.text} [${i + 1}]`).join('\n'),
      citations: parts.map((x) => ({ file: x.p.file, heading: x.p.heading })),
      passages,
    };
  }
}

/**
 * The prompt for a model that may only rephrase the retrieved passages: it is told to answer from
 * them alone, cite them by number and say it does not know otherwise.
 */
export function groundedPrompt(question: string, passages: readonly Passage[]): { system: string; user: string } {
  return {
    system:
      'You answer questions about an API from its documentation. Use only the numbered passages given. Cite every statement with the passage number in brackets, e.g. [2]. If the passages do not answer the question, reply exactly: I do not know.',
    user: `${passages.map((p, i) => `[${i + 1}] (${p.file} — ${p.heading})\n${p.text}`).join('\n\n')}\n\nQuestion: ${question}`,
  };
}

/** The Markdown and OpenAPI files under the given paths (folders are walked; node_modules, .git, dist skipped). */
export function docFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const visit = (p: string, depth: number): void => {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new Error(`cannot read ${p}: give Markdown files, OpenAPI documents or folders of them.`);
    }
    if (st.isDirectory()) {
      if (depth > 8) return;
      for (const e of readdirSync(p).sort())
        if (!['node_modules', '.git', 'dist'].includes(e)) visit(join(p, e), depth + 1);
    } else if (/\.(md|markdown|ya?ml|json)$/i.test(p)) out.push(p);
  };
  for (const p of paths) visit(p, 0);
  return out;
}

/** An index of the documentation under `paths`: Markdown, and YAML/JSON files that are OpenAPI documents. */
export async function indexDocsFrom(paths: readonly string[]): Promise<DocsIndex> {
  const index = new DocsIndex();
  for (const f of docFiles(paths)) {
    const text = await readFile(f, 'utf8');
    if (!/\.(md|markdown)$/i.test(f) && !/^\s*["']?openapi["']?\s*:/m.test(text)) continue;
    try {
      index.add(passagesOf(f, text));
    } catch {
      // a file that only looks like OpenAPI is left out
    }
  }
  return index;
}

/** The answer a model may give: text citing passage numbers, and those numbers. */
export const MODEL_ANSWER_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['answer', 'citations'],
  properties: {
    answer: { type: 'string', minLength: 1, maxLength: 4000 },
    citations: { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 10 },
  },
} as const;

/**
 * A model's answer checked against the passages it was given: it must cite at least one of them and
 * only them, and not say it does not know. Returns undefined when it fails (use the extractive one).
 */
export function groundedAnswer(json: unknown, extractive: Answer): Answer | undefined {
  const a = json as { answer?: unknown; citations?: unknown } | null;
  if (!a || typeof a.answer !== 'string' || !Array.isArray(a.citations)) return undefined;
  const n = extractive.passages.length;
  const cited = [...new Set(a.citations as unknown[])];
  if (cited.length === 0 || cited.some((c) => !Number.isInteger(c) || (c as number) < 1 || (c as number) > n))
    return undefined;
  if (/^\s*i do not know\.?\s*$/i.test(a.answer)) return undefined;
  const passages = (cited as number[]).map((c) => extractive.passages[c - 1]!);
  return {
    answered: true,
    text: a.answer,
    citations: passages.map((p) => ({ file: p.file, heading: p.heading })),
    passages,
  };
}

/**
 * Answers from the index: the extractive answer, or with `complete` (a model) one worded from the
 * retrieved passages that cites only them ({@link groundedAnswer}); nothing relevant found, no model
 * is asked. `answeredBy` says which (`extractive` or the model).
 */
export async function askDocs(
  index: DocsIndex,
  question: string,
  opts: { limit?: number; complete?: Complete } = {},
): Promise<Answer & { answeredBy: string }> {
  const extractive = index.answer(question, { limit: opts.limit ?? 3 });
  if (!extractive.answered || !opts.complete) return { ...extractive, answeredBy: 'extractive' };
  const prompt = groundedPrompt(question, extractive.passages);
  const result = await opts.complete({
    messages: [
      { role: 'system', content: prompt.system },
      { role: 'user', content: prompt.user },
    ],
    schema: MODEL_ANSWER_SCHEMA as unknown as Record<string, unknown>,
    temperature: 0,
    maxTokens: 600,
  });
  const grounded = result.ok ? groundedAnswer(result.json, extractive) : undefined;
  return grounded && result.ok
    ? { ...grounded, answeredBy: result.model }
    : { ...extractive, answeredBy: 'extractive' };
}
