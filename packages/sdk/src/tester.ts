/**
 * @fileoverview `PolicyTester`, in the manner of ESLint's RuleTester: tables of valid and invalid
 * cases (inline or from fixture files), run under the test framework's `describe`/`it`, and checks
 * of the tables themselves (duplicate cases, invalid cases without a code).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseJson, stringifyJson } from '@synapse-ai/json-xml';
import { isErrorCode, type ErrorCode } from './errors';
import { MemoryStore, silentLogger, type Clock, type LlmHooks } from './context';
import { contextFromHeaders, parsePayload, serializePayload, type GatewayContext } from './message';
import type { Policy } from './policy';
import { mountPolicy, PolicyChain } from './runtime';

interface CaseBase {
  /** Shown as the test title; must be unique within the table. */
  name: string;
  /** Policy options for this case (validated as the sidecar would). */
  options?: unknown;
  /** The body: text as it arrives, or a JSON value (serialized for you). */
  body?: unknown;
  /** A file holding the body (relative to the fixture file, or absolute). */
  bodyFile?: string;
  /** Defaults to `application/json` for a non-string body, `text/plain` for a string, none without a body. */
  contentType?: string;
  /** Gateway context (becomes the `X-*` headers). */
  context?: Partial<GatewayContext>;
  /** Extra request headers (lower-case names). */
  headers?: Record<string, string>;
}

export interface ValidCase extends CaseBase {
  /** Expected body: JSON bodies compare token by token keeping number text; XML and text compare exactly. */
  output?: unknown;
  outputFile?: string;
  /** Expected content type of the result. */
  outputContentType?: string;
  /** Headers the policy must return (others are ignored). */
  expectHeaders?: Record<string, string>;
  decision?: 'allow' | 'modified';
  /** Notes the policy must add to X-Policy-Decision (`<policy>=<note>`), matched as text or pattern. */
  notes?: Array<string | RegExp>;
}

export interface InvalidCase extends CaseBase {
  error: { code: ErrorCode; status?: number; message?: string | RegExp };
}

export interface TesterCases {
  valid?: ValidCase[];
  invalid?: InvalidCase[];
}

export interface TesterServices {
  clock?: Clock;
  llm?: LlmHooks;
}

type Describe = (name: string, fn: () => void) => void;
type It = (name: string, fn: () => Promise<void>) => void;

/** Thrown for a case whose result differs from what the table says. */
export class PolicyTestFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyTestFailure';
  }
}

function expectedBody(c: ValidCase, base: string | undefined): { text: string; json: boolean } | undefined {
  if (c.outputFile !== undefined)
    return { text: readFileSync(resolve(base ?? '.', c.outputFile), 'utf8'), json: false };
  if (c.output === undefined) return undefined;
  return typeof c.output === 'string' ? { text: c.output, json: false } : { text: stringifyJson(c.output), json: true };
}

function canonicalJson(text: string): string | undefined {
  try {
    return stringifyJson(parseJson(text));
  } catch {
    return undefined;
  }
}

const BASE_DIR = Symbol('baseDir');
type WithBase<T> = T & { [BASE_DIR]?: string };

export class PolicyTester {
  /** Replace to run under another framework; defaults to the global `describe`/`it` (jest, mocha, vitest). */
  static describe: Describe | undefined;
  static it: It | undefined;

  /**
   * Reads `dir/valid/*.json` and `dir/invalid/*.json`; each file is one case (its name defaults to the
   * file name) or an array of cases. `bodyFile`/`outputFile` are relative to the case file; keep those
   * payload files outside `valid/` and `invalid/` (e.g. in `fixtures/payloads/`).
   */
  static loadFixtures(dir: string): Required<TesterCases> {
    const read = <T extends CaseBase>(sub: string): T[] => {
      let files: string[];
      try {
        files = readdirSync(join(dir, sub))
          .filter((f) => f.endsWith('.json'))
          .sort();
      } catch {
        return [];
      }
      return files.flatMap((f) => {
        const path = join(dir, sub, f);
        let parsed: unknown;
        try {
          parsed = JSON.parse(readFileSync(path, 'utf8'));
        } catch (err) {
          throw new Error(`PolicyTester: fixture ${path} is not valid JSON: ${(err as Error).message}`);
        }
        const list = (Array.isArray(parsed) ? parsed : [parsed]) as T[];
        return list.map((c, i) => ({
          ...c,
          name: c.name ?? (list.length > 1 ? `${basename(f, '.json')} #${i + 1}` : basename(f, '.json')),
          [BASE_DIR]: dirname(path),
        }));
      });
    };
    return { valid: read<ValidCase>('valid'), invalid: read<InvalidCase>('invalid') };
  }

  /** Checks the tables and registers one test per case. */
  static run(policy: Policy, cases: TesterCases, services: TesterServices = {}): void {
    PolicyTester.checkTables(cases);
    const g = globalThis as { describe?: Describe; it?: It };
    const describe = PolicyTester.describe ?? g.describe;
    const it = PolicyTester.it ?? g.it;
    if (!describe || !it) {
      throw new Error(
        'PolicyTester.run needs a test framework: set PolicyTester.describe and PolicyTester.it, or use runCase.',
      );
    }
    describe(policy.meta.name, () => {
      describe('valid', () => {
        for (const c of cases.valid ?? []) it(c.name, () => PolicyTester.runValid(policy, c, services));
      });
      describe('invalid', () => {
        for (const c of cases.invalid ?? []) it(c.name, () => PolicyTester.runInvalid(policy, c, services));
      });
    });
  }

  /** Test hygiene: throws when the tables themselves are wrong. */
  static checkTables(cases: TesterCases): void {
    const problems: string[] = [];
    const names = new Set<string>();
    const contents = new Map<string, string>();
    const all: [string, CaseBase][] = [
      ...(cases.valid ?? []).map((c): [string, CaseBase] => ['valid', c]),
      ...(cases.invalid ?? []).map((c): [string, CaseBase] => ['invalid', c]),
    ];
    for (const [kind, c] of all) {
      if (typeof c.name !== 'string' || c.name === '') {
        problems.push(`a ${kind} case has no name`);
        continue;
      }
      if (names.has(c.name)) problems.push(`detected duplicate test case name "${c.name}"`);
      names.add(c.name);
      const key = stringifyJson([c.options, c.body, c.bodyFile, c.contentType, c.context, c.headers]);
      const seen = contents.get(key);
      if (seen !== undefined)
        problems.push(`detected duplicate test case: "${c.name}" has the same input as "${seen}"`);
      else contents.set(key, c.name);
      if (kind === 'valid' && 'error' in c) problems.push(`valid case "${c.name}" must not have an "error" property`);
      if (kind === 'invalid') {
        const err = (c as InvalidCase).error as InvalidCase['error'] | undefined;
        if (!err || typeof err !== 'object')
          problems.push(`invalid case "${c.name}" must have an "error" with a "code"`);
        else if (err.code === undefined) problems.push(`invalid case "${c.name}" must name an error code`);
        else if (!isErrorCode(err.code))
          problems.push(`invalid case "${c.name}" names unknown error code "${String(err.code)}"`);
      }
    }
    if (problems.length > 0) throw new Error(`PolicyTester: ${problems.join('; ')}`);
  }

  /** Runs a case through the real runtime; returns what the sidecar would send. */
  static async execute(policy: Policy, c: CaseBase, services: TesterServices = {}) {
    const base = (c as WithBase<CaseBase>)[BASE_DIR];
    const store = new MemoryStore(services.clock, 0);
    try {
      const mounted = mountPolicy(policy, c.options);
      let text: string | undefined;
      if (c.bodyFile !== undefined) text = readFileSync(resolve(base ?? '.', c.bodyFile), 'utf8');
      else if (typeof c.body === 'string') text = c.body;
      else if (c.body !== undefined) text = stringifyJson(c.body);
      const contentType =
        c.contentType ??
        (text === undefined ? undefined : typeof c.body === 'string' ? 'text/plain' : 'application/json');
      const headers: Record<string, string> = { ...(c.headers ?? {}) };
      for (const [k, v] of Object.entries(c.context ?? {})) {
        headers[`x-${k.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`] = String(v);
      }
      const context = contextFromHeaders(headers, () => 'test-correlation-id');
      const payload = parsePayload(Buffer.from(text ?? '', 'utf8'), contentType);
      const chain = new PolicyChain(policy.meta.name, [mounted]);
      return await chain.execute(
        { payload, contentType: payload.kind === 'empty' ? undefined : contentType, headers, context },
        {
          logger: silentLogger,
          store,
          verifyOutput: true,
          ...(services.llm ? { llm: services.llm } : {}),
          ...(services.clock ? { clock: services.clock } : {}),
        },
      );
    } finally {
      await store.close();
    }
  }

  static async runValid(policy: Policy, c: ValidCase, services: TesterServices = {}): Promise<void> {
    let outcome;
    try {
      outcome = await PolicyTester.execute(policy, c, services);
    } catch (err) {
      throw new PolicyTestFailure(
        `"${c.name}": expected the policy to continue, but it failed: ${(err as Error).message}`,
      );
    }
    if (outcome.kind === 'block') {
      throw new PolicyTestFailure(
        `"${c.name}": expected the policy to continue, but it blocked with ${outcome.error.code}: ${outcome.error.message}`,
      );
    }
    const want = expectedBody(c, (c as WithBase<ValidCase>)[BASE_DIR]);
    if (want !== undefined) {
      const got = serializePayload(outcome.payload);
      const isJson = outcome.payload.kind === 'json' || want.json;
      const same = isJson
        ? canonicalJson(got) === canonicalJson(want.text) && canonicalJson(got) !== undefined
        : got === want.text;
      if (!same)
        throw new PolicyTestFailure(`"${c.name}": output differs.\n  expected: ${want.text}\n  actual:   ${got}`);
    }
    if (c.outputContentType !== undefined && outcome.contentType !== c.outputContentType) {
      throw new PolicyTestFailure(
        `"${c.name}": expected content type ${c.outputContentType}, got ${String(outcome.contentType)}`,
      );
    }
    for (const [k, v] of Object.entries(c.expectHeaders ?? {})) {
      const actual = Object.entries(outcome.headers).find(([name]) => name.toLowerCase() === k.toLowerCase())?.[1];
      if (actual !== v)
        throw new PolicyTestFailure(
          `"${c.name}": header ${k} expected ${JSON.stringify(v)}, got ${JSON.stringify(actual)}`,
        );
    }
    if (c.decision !== undefined && outcome.decision !== c.decision) {
      throw new PolicyTestFailure(`"${c.name}": expected decision ${c.decision}, got ${outcome.decision}`);
    }
    for (const want of c.notes ?? []) {
      const hit = outcome.notes.some((n) => (typeof want === 'string' ? n === want : want.test(n)));
      if (!hit) {
        throw new PolicyTestFailure(
          `"${c.name}": expected a decision note ${String(want)}, got ${JSON.stringify(outcome.notes)}`,
        );
      }
    }
  }

  static async runInvalid(policy: Policy, c: InvalidCase, services: TesterServices = {}): Promise<void> {
    let code: string;
    let status: number;
    let message: string;
    try {
      const outcome = await PolicyTester.execute(policy, c, services);
      if (outcome.kind === 'continue') {
        throw new PolicyTestFailure(
          `"${c.name}": expected error ${c.error.code}, but the policy continued (${outcome.decision})`,
        );
      }
      ({ code, status, message } = outcome.error);
    } catch (err) {
      if (err instanceof PolicyTestFailure) throw err;
      const e = err as { code?: string; status?: number; message: string };
      if (e.code === undefined) throw err;
      code = e.code;
      status = e.status ?? 0;
      message = e.message;
    }
    const problems: string[] = [];
    if (code !== c.error.code) problems.push(`code ${code} (expected ${c.error.code})`);
    if (c.error.status !== undefined && status !== c.error.status)
      problems.push(`status ${status} (expected ${c.error.status})`);
    const m = c.error.message;
    if (m !== undefined && !(typeof m === 'string' ? message.includes(m) : m.test(message))) {
      problems.push(
        `message ${JSON.stringify(message)} (expected it to ${typeof m === 'string' ? 'contain' : 'match'} ${String(m)})`,
      );
    }
    if (problems.length > 0) throw new PolicyTestFailure(`"${c.name}": got ${problems.join(', ')}`);
  }
}
