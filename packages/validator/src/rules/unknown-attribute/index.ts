/**
 * @fileoverview `unknown-attribute`: attributes the catalogue does not list. A warning, never an
 * error: newer releases add attributes the MI 4.4 catalogue cannot know.
 */
import { attributesOf } from '../../catalogue';
import { described } from '../../schemaWalk';
import type { Rule } from '../../types';

export const rule: Rule = {
  meta: {
    id: 'unknown-attribute',
    severity: 'warning',
    description: 'Attributes are ones the MI 4.4 catalogue lists (newer ones are reported as warnings).',
    hint: 'Check the spelling; if the attribute is newer than MI 4.4, disable this report for the line.',
    appliesTo: ['synapse', 'j2'],
  },
  check({ doc, report }) {
    for (const v of described(doc)) {
      if (v.spec.anyAttribute) continue;
      const specs = attributesOf(v.spec);
      for (const a of v.el.attributes) {
        if (a.name === 'xmlns' || a.name.startsWith('xmlns:') || a.uri !== '') continue;
        if (!(a.name in specs)) report({ at: a, message: `<${v.el.name}> has no attribute ${a.name} in MI 4.4.` });
      }
    }
  },
};
