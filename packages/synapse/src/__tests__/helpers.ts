/** Test helpers: the shared schema folder, sample sources, and generation of every target. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { findEngine, generate, type ArtefactSource, type GenerateOptions, type Target } from '..';

export const SHARED = join(__dirname, '../../../../../shared');
export const XSD_DIR = join(SHARED, 'synapse-xsd');
export const XSD_PRESENT = existsSync(join(XSD_DIR, 'sequence.xsd'));
if (!XSD_PRESENT && process.env.CI) throw new Error(`${XSD_DIR} is missing: CI must have ../shared beside the clone`);

/** The committed tree `npm run generate` writes (built-in policies and the example pipelines). */
export const MEDIATION_SEQUENCES = join(__dirname, '../../../../mediation-sequences');

export const ECHO: ArtefactSource = {
  kind: 'policy',
  name: 'echo',
  version: '1.0.0',
  description: 'Returns the message unchanged.',
  flows: ['request', 'response', 'fault'],
};
export const TO_XML: ArtefactSource = {
  kind: 'policy',
  name: 'json-to-xml',
  version: '2.3.1',
  description: 'Converts JSON to XML.',
  flows: ['request', 'response'],
  produces: 'xml',
};
export const REQUEST_ONLY: ArtefactSource = {
  kind: 'policy',
  name: 'redact-pii',
  version: '1.0.0',
  description: 'Redacts & masks <personal> "data".',
  flows: ['request'],
};
export const PIPELINE: ArtefactSource = {
  kind: 'pipeline',
  name: 'orders-in',
  version: '1.0.0',
  description: 'Pipeline redact-pii → json-to-xml.',
  flows: ['request'],
  steps: ['redact-pii', 'json-to-xml'],
  produces: 'xml',
};
export const SOURCES = [ECHO, TO_XML, REQUEST_ONLY, PIPELINE];

export function gen(target: Target, extra: Partial<GenerateOptions> = {}): Map<string, string> {
  return new Map(generate({ target, sources: SOURCES, ...extra }).map((f) => [f.path, f.content]));
}

/** The real Synapse engine beside this clone (`../shared/synapse-engine`), or why it cannot run. */
export const ENGINE = findEngine(SHARED);
if ('missing' in ENGINE && process.env.CI) throw new Error(`CI must run the engine checks: ${ENGINE.missing}`);

/** Every target and its variants, generated from {@link SOURCES}. */
export const VARIANTS: Array<[string, Map<string, string>]> = [
  ['apim (Secret token)', gen('apim')],
  ['apim (vault token)', gen('apim', { apim: { tokenSource: 'vault' } })],
  ['mi (${configs})', gen('mi')],
  ['mi ($SYSTEM)', gen('mi', { mi: { url: 'system' } })],
  ['apim3', gen('apim3', { apim3: { failOpen: true, sidecarUrl: 'https://sidecar.internal:9443' } })],
];

/** A folder's files by path (forward slashes), as text. */
export function listTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p).split(sep).join('/'), readFileSync(p, 'utf8'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}
