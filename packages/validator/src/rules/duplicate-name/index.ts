/**
 * @fileoverview `duplicate-name`: two artefacts of the same kind with the same name in the
 * validated set: only one of them would be deployed. Reported on every copy but the first by path.
 */
import { attr, type SynDocument } from '../../document';
import type { Project, Rule } from '../../types';

const cache = new WeakMap<Project, Map<string, SynDocument>>();

function firsts(project: Project): Map<string, SynDocument> {
  const hit = cache.get(project);
  if (hit) return hit;
  const m = new Map<string, SynDocument>();
  for (const d of project.documents) {
    const root = d.root;
    if (!root || d.kind !== 'synapse') continue;
    const name = attr(root, root.local === 'localEntry' ? 'key' : 'name')?.value;
    if (name === undefined) continue;
    const key = `${root.local}:${name}`;
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
    description: 'No two artefacts of one kind share a name.',
    hint: 'Rename one of them.',
    appliesTo: ['synapse'],
  },
  check({ doc, project, report }) {
    const root = doc.root;
    if (!root || doc.kind !== 'synapse') return;
    const a = attr(root, root.local === 'localEntry' ? 'key' : 'name');
    if (!a) return;
    const first = firsts(project).get(`${root.local}:${a.value}`);
    if (first && first !== doc) {
      report({ at: a, message: `Another ${root.local} is named "${a.value}" (${first.file}).` });
    }
  },
};
