/**
 * @fileoverview `duplicate-name`: two artefacts with the same name in one name space in the
 * validated set: only one of them would be deployed. Sequences, endpoints, local entries and
 * templates share one (Synapse keeps them all in its local registry: "Duplicate resource
 * definition"); every other kind has its own. Reported on every copy but the first by path.
 */
import { attr, type SynDocument } from '../../document';
import type { Project, Rule } from '../../types';

const cache = new WeakMap<Project, Map<string, SynDocument>>();

/** Kinds kept in Synapse's local registry, whose names must differ across the kinds too. */
const REGISTRY_KINDS = new Set(['sequence', 'endpoint', 'localEntry', 'template']);

function space(kind: string): string {
  return REGISTRY_KINDS.has(kind) ? 'registry' : kind;
}

function firsts(project: Project): Map<string, SynDocument> {
  const hit = cache.get(project);
  if (hit) return hit;
  const m = new Map<string, SynDocument>();
  for (const d of project.documents) {
    const root = d.root;
    if (!root || d.kind !== 'synapse') continue;
    const name = attr(root, root.local === 'localEntry' ? 'key' : 'name')?.value;
    if (name === undefined) continue;
    const key = `${space(root.local)}:${name}`;
    // the first by path, so the report does not depend on the order files were given in
    const seen = m.get(key);
    if (!seen || d.file < seen.file) m.set(key, d);
  }
  cache.set(project, m);
  return m;
}

export const rule: Rule = {
  meta: {
    id: 'duplicate-name',
    severity: 'warning',
    description:
      'No two artefacts of one name space share a name (sequences, endpoints, local entries and templates share one).',
    hint: 'Rename one of them.',
    appliesTo: ['synapse'],
  },
  check({ doc, project, report }) {
    const root = doc.root;
    if (!root || doc.kind !== 'synapse') return;
    const a = attr(root, root.local === 'localEntry' ? 'key' : 'name');
    if (!a) return;
    const first = firsts(project).get(`${space(root.local)}:${a.value}`);
    if (first && first !== doc) {
      const other = first.root!.local;
      report({
        at: a,
        message:
          other === root.local
            ? `Another ${root.local} is named "${a.value}" (${first.file}).`
            : `A ${other} is named "${a.value}" too (${first.file}); sequences, endpoints, local entries and templates share one name space, so only one of them deploys.`,
      });
    }
  },
};
