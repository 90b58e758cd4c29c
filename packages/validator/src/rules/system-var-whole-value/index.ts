/**
 * @fileoverview `system-var-whole-value`: Synapse resolves `$SYSTEM:VAR` (and `$FILE:key`) only
 * as a whole attribute value; anything after the name is silently dropped. So does an endpoint's
 * `${configs.name}` (the engine: `uri-template="${configs.x}/v1/p"` calls the value of x alone).
 */
import { walk } from '../../document';
import type { Rule } from '../../types';

export const rule: Rule = {
  meta: {
    id: 'system-var-whole-value',
    severity: 'error',
    description: "$SYSTEM:VAR, $FILE:key and an endpoint's ${configs.name} are the whole attribute value.",
    hint: 'Put the full value (e.g. the whole URL) in the variable or configurable.',
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
        const endpointUri =
          (a.name === 'uri' && (el.local === 'address' || el.local === 'wsdl')) ||
          (a.name === 'uri-template' && el.local === 'http');
        if (endpointUri && a.value.includes('${configs.') && !/^\$\{configs\.[\w.-]+\}$/.test(a.value)) {
          report({
            at: a,
            message: `${a.name}="${a.value}": \${configs.…} in an endpoint must be the whole value; Synapse uses the configurable alone and drops the text around it.`,
          });
        }
      }
    }
  },
};
