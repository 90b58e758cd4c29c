/**
 * @fileoverview `reference-resolves`: sequences, templates and endpoints referred to by key
 * (`<sequence key>`, `onError`, `call-template target`, `<endpoint key>`, resource and proxy
 * sequences) exist in the validated set. Registry keys (`conf:`, `gov:`), dynamic keys (`{…}`),
 * connector templates and the server's own sequences (`main`, `fault`, API Manager's `_…_`) are
 * not looked for.
 */
import { attr, walk, type SynDocument, type XAttribute } from '../../document';
import type { Project, Rule } from '../../types';

type Kind = 'sequence' | 'template' | 'endpoint';

const BUILT_IN = new Set(['main', 'fault', 'dispatchSeq', 'outDispatchSeq', 'guardrail_fault']);
const cache = new WeakMap<Project, Map<Kind, Set<string>>>();

function names(project: Project): Map<Kind, Set<string>> {
  const hit = cache.get(project);
  if (hit) return hit;
  const m = new Map<Kind, Set<string>>([
    ['sequence', new Set()],
    ['template', new Set()],
    ['endpoint', new Set()],
  ]);
  for (const d of project.documents) {
    if (!d.root) continue;
    for (const el of walk(d.root)) {
      const kind = el.local as Kind;
      const name = attr(el, 'name')?.value;
      // named definitions: document elements, and named sequences/endpoints inside them
      if (name && m.has(kind) && (el === d.root || el.local !== 'template')) m.get(kind)!.add(name);
    }
  }
  cache.set(project, m);
  return m;
}

function skip(key: string): boolean {
  return (
    key === '' ||
    BUILT_IN.has(key) ||
    /^_.*_$/.test(key) ||
    /^(conf|gov|reg|file):/.test(key) ||
    key.includes('{') ||
    key.includes('$') ||
    key.includes('/') ||
    /^[a-z][\w-]*\.[a-zA-Z]/.test(key) // connector operations (email.send)
  );
}

export const rule: Rule = {
  meta: {
    id: 'reference-resolves',
    severity: 'warning',
    description: 'Sequences, templates and endpoints referred to by name exist in the validated files.',
    hint: 'Check the name, or validate the file together with the artefact it refers to.',
    appliesTo: ['synapse', 'j2'],
  },
  check({ doc, project, report }) {
    const known = names(project);
    const refer = (a: XAttribute | undefined, kind: Kind): void => {
      if (!a || skip(a.value) || known.get(kind)!.has(a.value)) return;
      report({ at: a, message: `No ${kind} named "${a.value}" is among the validated files.` });
    };
    const d: SynDocument = doc;
    for (const el of walk(d.root)) {
      if (el === d.root && d.kind === 'j2') continue;
      if (el.local === 'sequence') refer(attr(el, 'key'), 'sequence');
      refer(attr(el, 'onError'), 'sequence');
      if (el.local === 'call-template') refer(attr(el, 'target'), 'template');
      if (el.local === 'endpoint' && el !== d.root) refer(attr(el, 'key'), 'endpoint');
      for (const a of ['inSequence', 'outSequence', 'faultSequence']) refer(attr(el, a), 'sequence');
      if (el.local === 'target' && el.parent?.local === 'proxy') refer(attr(el, 'endpoint'), 'endpoint');
    }
  },
};
