/**
 * @fileoverview The API lifecycle commands: `spec infer|diff|docs|tag`, `assistant ask`,
 * `analytics ask` and `quota suggest`. Each works without a model.
 */
import { writeFile } from 'node:fs/promises';
import {
  answerRows,
  askDocs,
  DEFAULT_TAXONOMY,
  describeQuery,
  type DocsIndex,
  indexDocsFrom,
  draftDocs,
  driftSarif,
  inferSpec,
  markdownPage,
  modelDescriptions,
  modelQuery,
  modelTags,
  parseQuestion,
  QueryError,
  readAnalytics,
  readHar,
  specDrift,
  suggestTags,
  suggestTier,
  TrafficError,
  usageParams,
  type OpenApiDocument,
  type Observation,
  type TaxonomyEntry,
  type TierLimit,
} from '@synapse-ai/lifecycle';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { CliError, EXIT, readInput, type Command, type Io } from '../cli';
import { configuredModel } from '../model';
import { fetchUsageRows, type UsageRow } from '../usageClient';

/** A file's text (`-`: standard input). */
const readText = async (file: string, io: Io): Promise<string> => (await readInput(file, io)).toString('utf8');

/** The options and help line of the commands whose model is optional. */
const MODEL_OPTIONS = { model: { type: 'boolean' }, config: { type: 'string', short: 'c' } } as const;
const CONFIG_HELP = '  -c, --config FILE     Sidecar configuration with an llm section (also SAI_CONFIG)';

/** The question of `<command> ask …`. @throws {CliError} for another action or no question */
function questionOf(command: string, positionals: readonly string[], example: string): string {
  const [action, ...words] = positionals;
  if (action !== 'ask')
    throw new CliError(
      action === undefined ? `say what to do: ${command} ask.` : `unknown ${command} action '${action}' (use ask).`,
    );
  const question = words.join(' ').trim();
  if (question === '') throw new CliError(`give the question: ${command} ask ${example}.`);
  return question;
}

const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : v === undefined ? [] : [String(v)]);

async function observations(values: Record<string, unknown>, io: Io): Promise<Observation[]> {
  const hars = list(values.har);
  const events = list(values.analytics);
  if (hars.length === 0 && events.length === 0)
    throw new CliError(
      'give the traffic: --har FILE (HAR 1.2, repeatable) and/or --analytics FILE (WSO2 analytics events).',
    );
  const out: Observation[] = [];
  try {
    for (const f of hars) out.push(...readHar(await readText(f, io), f));
    for (const f of events) out.push(...readAnalytics(await readText(f, io), f));
  } catch (err) {
    if (err instanceof TrafficError) throw new CliError(err.message);
    throw err;
  }
  return out;
}

async function readSpec(file: string, io: Io): Promise<OpenApiDocument> {
  const text = await readText(file, io);
  let doc: unknown;
  try {
    doc = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new CliError(`${file} is not JSON or YAML (${(err as Error).message}).`);
  }
  const d = doc as OpenApiDocument | null;
  if (!d || typeof d !== 'object' || typeof d.paths !== 'object' || !/^3\./.test(String(d.openapi)))
    throw new CliError(`${file} is not an OpenAPI 3.x document (it needs openapi: 3.x and paths).`);
  return d;
}

const serialize = (doc: unknown, file: string): string =>
  file.endsWith('.json')
    ? `${JSON.stringify(doc, null, 2)}\n`
    : toYaml(doc, { aliasDuplicateObjects: false, lineWidth: 0 });

async function write(file: string | undefined, text: string, io: Io): Promise<void> {
  if (file === undefined || file === '-') io.stdout.write(text);
  else await writeFile(file, text);
}

/** Says on standard error whether the model's answer was used. */
function report(
  io: Io,
  what: string,
  use: { used: true; value: unknown; model: string } | { used: false; reason: string },
  noun: string,
): void {
  io.stderr.write(
    use.used
      ? `${what}: ${Array.isArray(use.value) ? use.value.length : String(use.value)} ${noun} by ${use.model}\n`
      : `${what}: the model's answer was not used (${use.reason}); the deterministic result stands\n`,
  );
}

export const specCommand: Command = {
  name: 'spec',
  summary: 'OpenAPI from traffic, drift and shadow APIs, documentation drafts, tags (spec infer|diff|docs|tag).',
  usage: `synapse-ai spec infer --har FILE... [--analytics FILE...] --out api.yaml [--title T]
       synapse-ai spec diff --spec api.yaml --har FILE... [--analytics FILE...] [--format text|json|sarif]
       synapse-ai spec docs api.yaml [--out new.yaml] [--markdown page.md]
       synapse-ai spec tag api.yaml [--taxonomy taxonomy.yaml] [--format text|json] [--out tagged.yaml]`,
  optionsHelp: `  --har FILE            A HAR 1.2 capture (repeatable)
  --analytics FILE      WSO2 analytics events, JSON lines or an array (repeatable)
  --out FILE            Where to write (YAML, or JSON for .json; default standard output)
  --title TEXT          The inferred document's title
  --spec FILE           The documented API (OpenAPI 3.x, YAML or JSON)
  --format F            diff: text, json or sarif; tag: text or json (default text)
  --markdown FILE       docs: also write the documentation as a Markdown page
  --taxonomy FILE       tag: categories with keywords (YAML/JSON list of {name, keywords, tags})
  --model               infer, docs: let the configured model word summaries and descriptions;
                        tag: let it choose among the taxonomy's categories (checked; fallback: deterministic)
${CONFIG_HELP}`,
  notes: `Analytics events add operations and statuses (they carry no bodies). Inferred documents copy no
sample values: enums only for small closed sets the redactor finds no personal data in.
Exit codes: 0 written / in step, 1 drift (diff), 2 usage error.`,
  options: {
    har: { type: 'string', multiple: true },
    analytics: { type: 'string', multiple: true },
    out: { type: 'string' },
    title: { type: 'string' },
    spec: { type: 'string' },
    format: { type: 'string' },
    markdown: { type: 'string' },
    taxonomy: { type: 'string' },
    ...MODEL_OPTIONS,
  },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    const [action, file] = positionals;
    const model = values.model === true ? configuredModel(values.config, io) : undefined;
    const complete = model ? model.complete.bind(model) : undefined;
    const format = (values.format as string | undefined) ?? 'text';
    switch (action) {
      case 'infer': {
        const doc = inferSpec(await observations(values, io), {
          ...(values.title ? { title: String(values.title) } : {}),
        });
        if (complete) report(io, 'spec infer', await modelDescriptions(complete, doc), 'operations worded');
        await write(values.out as string | undefined, serialize(doc, String(values.out ?? 'x.yaml')), io);
        const ops = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
        io.stderr.write(`spec infer: ${Object.keys(doc.paths).length} paths, ${ops} operations\n`);
        return EXIT.OK;
      }
      case 'diff': {
        if (!values.spec) throw new CliError('--spec names the documented API (OpenAPI 3.x).');
        if (!['text', 'json', 'sarif'].includes(format))
          throw new CliError(`--format is text, json or sarif (got ${JSON.stringify(format)}).`);
        const drift = specDrift(await readSpec(String(values.spec), io), await observations(values, io));
        if (format === 'json') io.stdout.write(`${JSON.stringify({ inStep: drift.length === 0, drift }, null, 2)}\n`);
        else if (format === 'sarif')
          io.stdout.write(`${JSON.stringify(driftSarif(drift, String(values.spec)), null, 2)}\n`);
        else if (drift.length === 0)
          io.stdout.write('in step: every observed call is documented and matches its schema\n');
        else
          for (const d of drift)
            io.stdout.write(`${d.kind.padEnd(20)} ${d.message} (${d.count} call${d.count === 1 ? '' : 's'})\n`);
        return drift.length === 0 ? EXIT.OK : EXIT.FINDINGS;
      }
      case 'docs': {
        if (!file) throw new CliError('give the OpenAPI document: spec docs api.yaml.');
        const doc = await readSpec(file, io);
        const changes = draftDocs(doc);
        if (complete) report(io, 'spec docs', await modelDescriptions(complete, doc), 'operations worded');
        await write(values.out as string | undefined, serialize(doc, String(values.out ?? file)), io);
        if (values.markdown) await writeFile(String(values.markdown), markdownPage(doc));
        io.stderr.write(
          `spec docs: drafted ${changes.reduce((n, c) => n + c.added.length, 0)} items in ${changes.length} operations\n`,
        );
        return EXIT.OK;
      }
      case 'tag': {
        if (!file) throw new CliError('give the OpenAPI document: spec tag api.yaml.');
        if (!['text', 'json'].includes(format))
          throw new CliError(`--format is text or json (got ${JSON.stringify(format)}).`);
        const doc = await readSpec(file, io);
        let taxonomy: readonly TaxonomyEntry[] = DEFAULT_TAXONOMY;
        if (values.taxonomy) {
          const t = parseYaml(await readText(String(values.taxonomy), io)) as unknown;
          if (!Array.isArray(t) || t.some((e) => typeof e?.name !== 'string' || !Array.isArray(e?.keywords)))
            throw new CliError(`${values.taxonomy} must be a list of { name, keywords: [...], tags: [...] }.`);
          taxonomy = t as TaxonomyEntry[];
        }
        let suggestions = suggestTags(doc, taxonomy);
        if (complete) {
          const chosen = await modelTags(complete, doc, taxonomy);
          report(io, 'spec tag', chosen, 'categories chosen');
          if (chosen.used) suggestions = chosen.value;
        }
        if (values.out) {
          const tagged = doc as OpenApiDocument & { 'x-categories'?: string[] };
          tagged['x-categories'] = suggestions.map((s) => s.category);
          tagged.tags = [...new Set(suggestions.flatMap((s) => s.tags))].map((name) => ({ name }));
          await writeFile(String(values.out), serialize(tagged, String(values.out)));
        }
        if (format === 'json') io.stdout.write(`${JSON.stringify(suggestions, null, 2)}\n`);
        else if (suggestions.length === 0) io.stdout.write('no category of the taxonomy matches this API\n');
        else
          for (const s of suggestions)
            io.stdout.write(
              `${s.category} (${s.score}): tags ${s.tags.join(', ') || '-'}; from ${s.evidence.join(', ')}\n`,
            );
        return EXIT.OK;
      }
      default:
        throw new CliError(
          action === undefined
            ? 'say what to do: spec infer, diff, docs or tag.'
            : `unknown spec action '${action}' (use infer, diff, docs or tag).`,
        );
    }
  },
};

export const assistantCommand: Command = {
  name: 'assistant',
  summary: 'Answer a question from the API documentation, with citations (assistant ask).',
  usage: 'synapse-ai assistant ask --docs PATH... "question" [--format text|json]',
  optionsHelp: `  --docs PATH           Markdown files, OpenAPI documents, or folders of them (repeatable)
  --format F            text or json (default text)
  --model               Let the configured model word the answer from the retrieved passages
                        (it must cite them; otherwise the extractive answer stands)
${CONFIG_HELP}`,
  notes: `Without a model the answer is the best-matching passages (BM25 ranking) with their file and
heading; nothing relevant found: it says so. Exit codes: 0 answered, 1 no answer, 2 usage error.`,
  options: {
    docs: { type: 'string', multiple: true },
    format: { type: 'string' },
    ...MODEL_OPTIONS,
  },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    const question = questionOf('assistant', positionals, '--docs docs/ "how do I …?"');
    const docs = list(values.docs);
    if (docs.length === 0) throw new CliError('--docs names the documentation to answer from.');
    let index: DocsIndex;
    try {
      index = await indexDocsFrom(docs);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    const model = values.model === true ? configuredModel(values.config, io) : undefined;
    const answer = await askDocs(index, question, model ? { complete: model.complete.bind(model) } : {});
    if (values.format === 'json') io.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    else {
      io.stdout.write(`${answer.text}\n`);
      answer.citations.forEach((c, i) => io.stdout.write(`[${i + 1}] ${c.file} — ${c.heading}\n`));
    }
    return answer.answered ? EXIT.OK : EXIT.FINDINGS;
  },
};

const table = (rows: readonly UsageRow[]): string => {
  if (rows.length === 0) return '(no usage in that range)\n';
  const cols = Object.keys(rows[0]!);
  const cell = (v: unknown): string => (typeof v === 'number' ? String(Math.round(v * 1e6) / 1e6) : String(v ?? ''));
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]): string =>
    vals
      .map((v, i) => v.padEnd(width[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(cols), line(width.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n')}\n`;
};

export const analyticsCommand: Command = {
  name: 'analytics',
  summary: 'Ask a plain-language question about metered usage (analytics ask).',
  usage:
    'synapse-ai analytics ask --url URL --tenant ID "which applications used the most tokens this week?" [--format table|json]',
  optionsHelp: `  --url URL             The sidecar (e.g. http://127.0.0.1:8080)
  --tenant ID           The tenant whose usage to read
  --format F            table or json (default table)
  --model               Let the configured model translate a question the parser cannot read
                        (into the query schema only; checked)
${CONFIG_HELP}`,
  notes: `The question becomes a query over allow-listed measures (tokens, prompt/completion tokens, cost,
calls, cache hits), dimensions (application, api, model, day, tier), a time range and top-N; the
query is printed, then answered from /v1/usage. Exit codes: 0 answered, 2 unreadable question or
the sidecar could not answer.`,
  options: {
    url: { type: 'string' },
    tenant: { type: 'string' },
    format: { type: 'string' },
    ...MODEL_OPTIONS,
  },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    const question = questionOf(
      'analytics',
      positionals,
      '--url URL --tenant ID "which applications used the most tokens this week?"',
    );
    if (!values.url) throw new CliError("--url is the sidecar's address.");
    if (!values.tenant) throw new CliError('--tenant names the tenant whose usage to read.');
    let query;
    try {
      query = parseQuestion(question);
    } catch (err) {
      if (!(err instanceof QueryError)) throw err;
      // a question the parser cannot read may be translated by the model, into the query schema only
      if (values.model !== true)
        throw new CliError(
          `cannot read the question: ${err.message}`,
          'Or pass --model to let the configured model read it.',
        );
      const model = configuredModel(values.config, io);
      const translated = await modelQuery(model.complete.bind(model), question);
      if (!translated.used)
        throw new CliError(
          `cannot read the question: ${err.message} (the model could not either: ${translated.reason}).`,
        );
      query = translated.value;
    }
    const rows = answerRows(
      query,
      await fetchUsageRows(String(values.url), usageParams(String(values.tenant), query), io.env),
    );
    if (values.format === 'json') io.stdout.write(`${JSON.stringify({ query, rows }, null, 2)}\n`);
    else io.stdout.write(`query: ${describeQuery(query)}\n\n${table(rows)}`);
    return EXIT.OK;
  },
};

/** `Bronze=1000/100000,Silver=…` (requests/tokens a day; either may be `-`). */
function parseTiers(spec: string): TierLimit[] {
  return spec.split(',').map((part) => {
    const m = /^([\w-]+)=(\d+|-)\/(\d+|-)$/.exec(part.trim());
    if (!m)
      throw new CliError(`--tiers takes NAME=REQUESTS/TOKENS per day, comma-separated (got ${JSON.stringify(part)}).`);
    return {
      name: m[1]!,
      ...(m[2] === '-' ? {} : { requestsPerDay: Number(m[2]) }),
      ...(m[3] === '-' ? {} : { tokensPerDay: Number(m[3]) }),
    };
  });
}

export const quotaCommand: Command = {
  name: 'quota',
  summary: 'Suggest an initial tier for a new application from comparable ones (quota suggest).',
  usage:
    'synapse-ai quota suggest --url URL --tenant ID --tiers Bronze=1000/100000,Silver=10000/1000000 [--roles roles.json --role ROLE] [--days 30]',
  optionsHelp: `  --url URL             The sidecar (its usage store)
  --tenant ID           The new application's tenant
  --tiers LIST          The tiers and their daily limits, NAME=REQUESTS/TOKENS (- for none)
  --roles FILE          JSON: application id → role, to compare with applications of the same role
  --role ROLE           The new application's role
  --days N              How many days of usage to read (default 30)`,
  notes: 'Exit codes: 0 suggested, 2 usage error or the sidecar could not answer.',
  options: {
    url: { type: 'string' },
    tenant: { type: 'string' },
    tiers: { type: 'string' },
    roles: { type: 'string' },
    role: { type: 'string' },
    days: { type: 'string' },
    format: { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    if (positionals[0] !== 'suggest') throw new CliError('say what to do: quota suggest.');
    if (!values.url || !values.tenant || !values.tiers) throw new CliError('--url, --tenant and --tiers are needed.');
    const tiers = parseTiers(String(values.tiers));
    const days = Number(values.days ?? 30);
    if (!Number.isInteger(days) || days < 1 || days > 366)
      throw new CliError('--days is a whole number from 1 to 366.');
    let roles: Record<string, string> = {};
    if (values.roles) {
      try {
        roles = JSON.parse(await readText(String(values.roles), io)) as Record<string, string>;
      } catch (err) {
        if (err instanceof CliError) throw err;
        throw new CliError(
          `${values.roles} must be JSON: {"<application id>": "<role>", …} (${(err as Error).message}).`,
        );
      }
    }
    const to = new Date();
    const from = new Date(to.getTime() - (days - 1) * 86_400_000);
    const params = new URLSearchParams({
      tenant: String(values.tenant),
      from: from.toISOString().slice(0, 10),
      to: to.toISOString().slice(0, 10),
      groupBy: 'application',
    });
    const rows = await fetchUsageRows(String(values.url), params, io.env);
    const usage = rows.map((r) => ({
      application: String(r.application ?? ''),
      tenant: String(values.tenant),
      ...(roles[String(r.application)] ? { role: roles[String(r.application)] } : {}),
      calls: Number(r.calls ?? 0),
      totalTokens: Number(r.totalTokens ?? 0),
      days,
    }));
    const suggestion = suggestTier(
      { tenant: String(values.tenant), ...(values.role ? { role: String(values.role) } : {}) },
      usage,
      tiers,
    );
    if (values.format === 'json') io.stdout.write(`${JSON.stringify(suggestion, null, 2)}\n`);
    else io.stdout.write(`${suggestion.tier}: ${suggestion.reason}\n`);
    return EXIT.OK;
  },
};
