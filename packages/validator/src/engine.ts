/**
 * @fileoverview Runs the rules: finds the files, pairs `.j2` templates with their specifications,
 * applies the configuration (rules off, severities) and inline comments
 * (`<!-- synapse-ai-disable rule-id -->`), and returns diagnostics sorted by file and position.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import { validateWithXsd, type SchemaRoot } from '@synapse-ai/synapse';
import { parseDocument, readSpec, SYNAPSE_NS, type Position, type SynDocument } from './document';
import { RULES, RULES_BY_ID } from './rules';
import type { Diagnostic, Project, Rule, Severity } from './types';

export type RuleSetting = Severity | 'off';

export interface ValidatorConfig {
  rules?: Record<string, RuleSetting>;
  /** Path fragments or globs (`*`, `**`) of files to leave out. */
  ignore?: string[];
}

export interface SourceFile {
  file: string;
  source: string;
}

export interface ValidateOptions {
  config?: ValidatorConfig;
  sidecarPolicies?: ReadonlySet<string>;
  /** Also validate Synapse XML against the XSD set in this folder (xmllint-wasm). */
  xsdDir?: string;
}

const SPEC_EXTENSIONS = ['.yaml', '.yml', '.json'];
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'target', 'coverage']);

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`(^|/)${re}($|/)`);
}

/** Files to validate under the given paths: `.xml` and `.j2`, with the specifications beside templates. */
export function collectFiles(paths: readonly string[], config: ValidatorConfig = {}): SourceFile[] {
  const ignore = (config.ignore ?? []).map(globToRegExp);
  const out: string[] = [];
  const visit = (p: string, explicit: boolean): void => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) throw new Error(`${p} does not exist.`);
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) {
        if (SKIP_DIRS.has(e)) continue;
        visit(join(p, e), false);
      }
    } else if (explicit || p.endsWith('.xml') || p.endsWith('.j2')) {
      out.push(p);
    }
  };
  for (const p of paths) visit(p, true);
  return out
    .filter((f) => !ignore.some((re) => re.test(f.split(sep).join('/'))))
    .map((file) => ({ file, source: readFileSync(file, 'utf8') }));
}

function specFor(file: string, read: (path: string) => string | undefined): ReturnType<typeof readSpec> | undefined {
  const base = join(dirname(file), basename(file, extname(file)));
  for (const ext of SPEC_EXTENSIONS) {
    const text = read(base + ext);
    if (text !== undefined) return readSpec(base + ext, text);
  }
  return undefined;
}

interface Suppression {
  from: number;
  to: number;
  rules: Set<string> | 'all';
}

/** `synapse-ai-disable [ids]` … `synapse-ai-enable [ids]`, and `synapse-ai-disable-next-line [ids]`. */
export function suppressions(source: string): Suppression[] {
  const out: Suppression[] = [];
  const open = new Map<string, number>();
  const re = /(?:<!--|\{#)\s*synapse-ai-(disable-next-line|disable|enable)\b([^]*?)(?:-->|#\})/g;
  for (const m of source.matchAll(re)) {
    const line = source.slice(0, m.index).split('\n').length;
    // ids come first; a reason may follow after ':' or ';'
    const ids = m[2]!
      .split(/[:;]/)[0]!
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    const key = ids.length === 0 ? '*' : ids.sort().join(',');
    const rules: Suppression['rules'] = ids.length === 0 ? 'all' : new Set(ids);
    if (m[1] === 'disable-next-line') out.push({ from: line + 1, to: line + 1, rules });
    else if (m[1] === 'disable') open.set(key, line);
    else {
      const from = open.get(key);
      if (from !== undefined) {
        out.push({ from, to: line, rules });
        open.delete(key);
      }
    }
  }
  for (const [key, from] of open)
    out.push({ from, to: Infinity, rules: key === '*' ? 'all' : new Set(key.split(',')) });
  return out;
}

function suppressed(list: Suppression[], d: Diagnostic): boolean {
  return list.some((s) => d.line >= s.from && d.line <= s.to && (s.rules === 'all' || s.rules.has(d.ruleId)));
}

/** @throws {Error} naming the bad entry and the fix, for a configuration that cannot be used. */
export function checkConfig(config: unknown, where: string): ValidatorConfig {
  const fail = (msg: string): never => {
    throw new Error(`${where}: ${msg}`);
  };
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    fail('the configuration must be a JSON object.');
  const c = config as Record<string, unknown>;
  for (const k of Object.keys(c))
    if (k !== 'rules' && k !== 'ignore') fail(`unknown key "${k}". Fix: use "rules" and "ignore".`);
  if (c.rules !== undefined) {
    if (typeof c.rules !== 'object' || c.rules === null || Array.isArray(c.rules))
      fail('"rules" must map rule ids to a severity.');
    for (const [id, v] of Object.entries(c.rules as Record<string, unknown>)) {
      if (!RULES_BY_ID.has(id)) {
        const near = [...RULES_BY_ID.keys()].find((k) => k.includes(id) || id.includes(k));
        fail(
          `no rule is named "${id}".${near ? ` Did you mean "${near}"?` : ''} Run \`synapse-ai validate --list-rules\`.`,
        );
      }
      if (!['off', 'error', 'warning', 'info'].includes(v as string)) {
        fail(`rules.${id} is ${JSON.stringify(v)}; use "off", "error", "warning" or "info".`);
      }
    }
  }
  if (c.ignore !== undefined && (!Array.isArray(c.ignore) || c.ignore.some((g) => typeof g !== 'string'))) {
    fail('"ignore" must be a list of path patterns.');
  }
  return c as ValidatorConfig;
}

function positionOf(at: Position): Position {
  return { line: at.line, column: at.column };
}

/** Validates in-memory files (the core the CLI and the tests share). */
export function validateSources(sources: readonly SourceFile[], options: ValidateOptions = {}): Diagnostic[] {
  return runRules(sources, options).diagnostics;
}

function runRules(
  sources: readonly SourceFile[],
  options: ValidateOptions,
): { diagnostics: Diagnostic[]; documents: SynDocument[] } {
  const byPath = new Map(sources.map((s) => [s.file, s.source]));
  const read = (p: string): string | undefined => {
    if (byPath.has(p)) return byPath.get(p);
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  };
  const documents: SynDocument[] = sources
    .filter((s) => !SPEC_EXTENSIONS.includes(extname(s.file)))
    .map((s) => parseDocument(s.file, s.source, s.file.endsWith('.j2') ? specFor(s.file, read) : undefined));
  const project: Project = {
    documents,
    ...(options.sidecarPolicies ? { sidecarPolicies: options.sidecarPolicies } : {}),
  };
  const settings = options.config?.rules ?? {};
  const active: Array<[Rule, Severity]> = [];
  for (const r of RULES) {
    const s = settings[r.meta.id];
    if (s === 'off') continue;
    active.push([r, s ?? r.meta.severity]);
  }
  const out: Diagnostic[] = [];
  for (const doc of documents) {
    if (doc.kind === 'other') continue;
    const found: Diagnostic[] = [];
    for (const [rule, severity] of active) {
      if (!rule.meta.appliesTo.includes(doc.kind)) continue;
      if (doc.parseError && rule.meta.id !== 'well-formed') continue;
      rule.check({
        doc,
        project,
        report: (r) => {
          // A configured severity wins; otherwise a report may lower its rule's default.
          const sev = settings[rule.meta.id] !== undefined ? severity : (r.severity ?? severity);
          found.push({
            ruleId: rule.meta.id,
            severity: sev,
            message: r.message,
            hint: r.hint ?? rule.meta.hint,
            file: doc.file,
            ...positionOf(r.at),
          });
        },
      });
    }
    const sup = suppressions(doc.source);
    out.push(...found.filter((d) => !suppressed(sup, d)));
  }
  return { diagnostics: sortDiagnostics(out), documents };
}

export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return list.sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.column - b.column ||
      (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0),
  );
}

const XSD_ROOTS: Record<string, SchemaRoot> = {
  sequence: 'sequence',
  template: 'template',
  endpoint: 'endpoint',
  localEntry: 'local_entry',
  api: 'api',
  proxy: 'proxy',
};

/** Validates files on disk: rules, then (with `xsdDir`) the official schema set. */
export async function validatePaths(
  paths: readonly string[],
  options: ValidateOptions = {},
): Promise<{ diagnostics: Diagnostic[]; files: string[] }> {
  const sources = collectFiles(paths, options.config);
  const { diagnostics, documents } = runRules(sources, options);
  if (options.xsdDir) {
    // the documents the rules read: parsed once, grouped by the schema their root answers to
    const groups = new Map<SchemaRoot, Array<{ name: string; xml: string }>>();
    for (const doc of documents) {
      if (doc.parseError || !doc.root || doc.root.uri !== SYNAPSE_NS) continue;
      const wrapped = doc.kind === 'j2';
      const root = wrapped ? 'sequence' : XSD_ROOTS[doc.root.local];
      if (!root) continue;
      const xml = wrapped
        ? `<sequence xmlns="${SYNAPSE_NS}" name="policy">\n${doc.source.replace(/\{%[\s\S]*?%\}/g, '')}</sequence>`
        : doc.source;
      groups.set(root, [...(groups.get(root) ?? []), { name: doc.file, xml }]);
    }
    for (const [root, docs] of groups) {
      for (const p of await validateWithXsd(options.xsdDir, root, docs)) {
        const isJ2 = p.file.endsWith('.j2');
        diagnostics.push({
          ruleId: 'xsd',
          severity: 'error',
          message: p.message,
          hint: 'Compare the element with the schema set given to --xsd.',
          file: p.file,
          line: Math.max(1, (p.line ?? 1) - (isJ2 ? 1 : 0)),
          column: 1,
        });
      }
    }
    sortDiagnostics(diagnostics);
  }
  return { diagnostics, files: documents.map((d) => d.file) };
}

export function relativeTo(cwd: string, file: string): string {
  const r = relative(cwd, file);
  return (r.startsWith('..') ? file : r).split(sep).join('/');
}
