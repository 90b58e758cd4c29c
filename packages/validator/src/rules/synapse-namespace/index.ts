/**
 * @fileoverview `synapse-namespace`: a Synapse artefact's document element must be in the Synapse
 * namespace, or the engine does not recognise it.
 */
import { SYNAPSE_NS } from '../../document';
import type { Rule } from '../../types';

/**
 * Kinds whose Synapse factory builds them in any namespace (checked with the engine): for these a
 * missing namespace is only a warning. Every other kind fails to deploy.
 */
const BUILT_IN_ANY_NAMESPACE = new Set(['localEntry', 'inboundEndpoint', 'messageStore']);

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
    const lenient = BUILT_IN_ANY_NAMESPACE.has(root.local);
    report({
      at: root,
      message: `<${root.name}> is in ${root.uri === '' ? 'no namespace' : `the namespace ${root.uri}`}, not the Synapse namespace${lenient ? ' (Synapse builds it anyway; other tools may not)' : ''}.`,
      ...(lenient ? { severity: 'warning' as const } : {}),
    });
  },
};
