/**
 * The engine's verdict on a real WSO2 file, from what `synapse-engine.jar check` reports: `builds`,
 * `rejected` (a reason in the file itself) or `depends-on-deployment` (the build needs something this
 * engine or a bare Micro Integrator does not have: a mediator of an MI module the engine lacks, a
 * connector, a custom class, a WSDL or resource file at a URL, `$FILE:` properties, a broker). The
 * validator must raise no error on a file that builds and at least one on a file that is rejected;
 * files that depend on the deployment are no verdict on the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isMediator } from '../../catalogue';

export type Verdict = 'builds' | 'rejected' | 'depends-on-deployment';

export interface VerdictEntry {
  /** Path relative to the corpus folder. */
  file: string;
  kind: string;
  /** What the engine said: true, false, or null (not an artefact). */
  ok: boolean | null;
  error: string | null;
  verdict: Verdict | null;
  /** Why a failure depends on the deployment. */
  reason?: string;
}

const SYNAPSE_UNKNOWN =
  /Unknown mediator referenced by configuration element : \{http:\/\/ws\.apache\.org\/ns\/synapse\}([\w.-]+)/;

/** Classifies one engine result; `text` is the file's content. */
export function classify(
  text: string,
  ok: boolean | null,
  error: string | null,
): { verdict: Verdict | null; reason?: string } {
  if (ok === null) return { verdict: null };
  if (ok) return { verdict: 'builds' };
  const e = error ?? '';
  const unknown = SYNAPSE_UNKNOWN.exec(e);
  if (unknown) {
    const name = unknown[1]!;
    if (isMediator(name))
      return { verdict: 'depends-on-deployment', reason: `<${name}> is an MI mediator the engine lacks` };
    if (text.includes(`<${name}.`))
      return { verdict: 'depends-on-deployment', reason: `the ${name} connector is not deployed` };
    return { verdict: 'rejected' };
  }
  if (/Error loading class|Class not found/.test(e))
    return { verdict: 'depends-on-deployment', reason: 'a custom class' };
  if (/Could not connect to the WSDL|Could not read the WSDL|Error connecting to URL/.test(e))
    return { verdict: 'depends-on-deployment', reason: 'a WSDL or resource fetched at build time' };
  if (/properties\.file\.path is empty/.test(e))
    return { verdict: 'depends-on-deployment', reason: '$FILE: properties' };
  if (/Error while instantiating the message store/.test(e))
    return { verdict: 'depends-on-deployment', reason: 'a broker client' };
  return { verdict: 'rejected' };
}

export const MI_CORPUS = join(__dirname, '../../../corpus/mi-integration');
export const MI_VERDICTS = join(MI_CORPUS, 'engine-verdicts.json');
export const SHARED_CORPUS = join(__dirname, '../../../../../../shared/synapse-corpus');

export function readVerdicts(file: string): VerdictEntry[] {
  return JSON.parse(readFileSync(file, 'utf8')) as VerdictEntry[];
}

/** The engine's `check` output turned into verdict entries relative to `root`. */
export function toEntries(
  root: string,
  files: Array<{ path: string; kind: string; ok: boolean | null; error: string | null }>,
): VerdictEntry[] {
  return files
    .map((f) => {
      const c = classify(existsSync(f.path) ? readFileSync(f.path, 'utf8') : '', f.ok, f.error);
      const entry: VerdictEntry = {
        file: relative(root, f.path),
        kind: f.kind,
        ok: f.ok,
        error: f.error,
        verdict: c.verdict,
      };
      if (c.reason) entry.reason = c.reason;
      return entry;
    })
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
