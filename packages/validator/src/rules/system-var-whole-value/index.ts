/**
 * @fileoverview `system-var-whole-value`: Synapse resolves `$SYSTEM:VAR` (and `$FILE:key`) only
 * as a whole attribute value; anything after the name is silently dropped.
 */
import { walk } from '../../document';
import type { Rule } from '../../types';

export const rule: Rule = {
  meta: {
    id: 'system-var-whole-value',
    severity: 'error',
    description: '$SYSTEM:VAR and $FILE:key are the whole attribute value.',
    hint: 'Put the full value (e.g. the whole URL) in the variable, or use ${configs.name} on MI 4.4+.',
    appliesTo: ['synapse', 'j2'],
  },
  check({ doc, report }) {
    for (const el of walk(doc.root)) {
      for (const a of el.attributes) {
        const m = /\$(SYSTEM|FILE):/.exec(a.value);
        if (m && !/^\$(SYSTEM|FILE):[_a-zA-Z0-9]+$/.test(a.value)) {
          report({
            at: a,
            message: `${a.name}="${a.value}": $${m[1]}: must be the whole value; Synapse drops the rest.`,
          });
        }
      }
    }
  },
};
