/**
 * @fileoverview `name-matches-file`: an artefact's name is its file name (`sequences/Foo.xml`
 * holds `<sequence name="Foo">`), as MI projects and the deployer expect.
 */
import { basename } from 'node:path';
import { attr } from '../../document';
import type { Rule } from '../../types';

export const rule: Rule = {
  meta: {
    id: 'name-matches-file',
    severity: 'warning',
    description: "An artefact's name (or local entry key) is its file name.",
    hint: 'Rename the file or the artefact so that they match.',
    appliesTo: ['synapse'],
  },
  check({ doc, report }) {
    const root = doc.root;
    if (!root || doc.parseError || doc.kind !== 'synapse') return;
    const a = attr(root, root.local === 'localEntry' ? 'key' : 'name');
    if (!a) return;
    const file = basename(doc.file).replace(/\.xml$/i, '');
    // MI projects may version file names (Foo_v1.0.0.xml); API files may carry the version too.
    if (file === a.value || file.startsWith(`${a.value}_v`) || file.startsWith(`${a.value}-v`)) return;
    report({ at: a, message: `<${root.local}> is named "${a.value}" but its file is ${basename(doc.file)}.` });
  },
};
