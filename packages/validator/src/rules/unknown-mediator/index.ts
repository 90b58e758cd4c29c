/**
 * @fileoverview `unknown-mediator`: every mediator is one the MI 4.4 catalogue knows. Connector
 * operations (`<http.get>`) the catalogue cannot know are warnings, not errors.
 */
import { visits } from '../../schemaWalk';
import type { Rule } from '../../types';

export const rule: Rule = {
  meta: {
    id: 'unknown-mediator',
    severity: 'error',
    description: 'Every mediator is in the MI 4.4 vocabulary; unknown connector operations are warnings.',
    hint: 'Check the spelling against the mediator reference, or add the connector that provides it.',
    appliesTo: ['synapse', 'j2'],
  },
  check({ doc, report }) {
    for (const v of visits(doc)) {
      if (v.kind === 'unknown-mediator') {
        report({ at: v.el, message: `<${v.el.name}> is not a mediator.` });
      } else if (v.kind === 'connector') {
        report({
          at: v.el,
          severity: 'warning',
          message: `<${v.el.name}> is a connector operation the catalogue does not know.`,
          hint: 'Make sure the connector is part of the project (src/main/wso2mi/resources/connectors).',
        });
      }
    }
  },
};
