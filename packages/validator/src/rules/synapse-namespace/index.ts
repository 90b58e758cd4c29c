/**
 * @fileoverview `synapse-namespace`: a Synapse artefact's document element must be in the Synapse
 * namespace, or the engine does not recognise it.
 */
import { SYNAPSE_NS } from '../../document';
import type { Rule } from '../../types';

export const rule: Rule = {
  meta: {
    id: 'synapse-namespace',
    severity: 'error',
    description: 'The document element of a Synapse artefact is in the namespace http://ws.apache.org/ns/synapse.',
    hint: `Add xmlns="${SYNAPSE_NS}" to the document element.`,
    appliesTo: ['synapse'],
  },
  check({ doc, report }) {
    const root = doc.root;
    if (!root || doc.parseError || root.uri === SYNAPSE_NS) return;
    report({
      at: root,
      message: `<${root.name}> is in ${root.uri === '' ? 'no namespace' : `the namespace ${root.uri}`}, not the Synapse namespace.`,
    });
  },
};
