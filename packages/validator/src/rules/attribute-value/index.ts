/**
 * @fileoverview `attribute-value`: attributes with a fixed set of values (log `level`,
 * payloadFactory `media-type`, call `blocking`…) hold one of them. Values computed at run time
 * (`{…}`, `$…`) and `.j2` placeholders are not checked. Property scopes belong to `property-scope`.
 */
import { attributesOf } from '../../catalogue';
import { described } from '../../schemaWalk';
import type { Rule } from '../../types';

/** Attributes another rule owns. */
const OWNED: Record<string, string> = { 'property@scope': 'property-scope' };

export function isDynamic(value: string): boolean {
  return value.includes('{{') || value.startsWith('{') || value.startsWith('$');
}

export const rule: Rule = {
  meta: {
    id: 'attribute-value',
    severity: 'error',
    description: 'Attributes with a fixed set of values hold one of them.',
    hint: 'Use one of the allowed values.',
    appliesTo: ['synapse', 'j2'],
  },
  check({ doc, report }) {
    for (const v of described(doc)) {
      const specs = attributesOf(v.spec);
      for (const a of v.el.attributes) {
        const allowed = specs[a.name]?.values;
        if (!allowed || OWNED[`${v.el.local}@${a.name}`] || isDynamic(a.value)) continue;
        if (!allowed.includes(a.value)) {
          const near = allowed.find((x) => x.toLowerCase() === a.value.toLowerCase());
          report({
            at: a,
            message: `${a.name}="${a.value}" is not allowed on <${v.el.name}>.`,
            hint: near ? `Did you mean "${near}"?` : `Use one of: ${allowed.join(', ')}.`,
          });
        }
      }
    }
  },
};
