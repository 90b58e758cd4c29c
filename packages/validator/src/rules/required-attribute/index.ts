/**
 * @fileoverview `required-attribute`: attributes the catalogue marks required are present
 * (a sequence's `name`, a class mediator's `name`, a property's `name`…).
 */
import { attributesOf } from '../../catalogue';
import { attr } from '../../document';
import { described } from '../../schemaWalk';
import type { Rule } from '../../types';

/** Required attributes another attribute can stand in for (the engine takes either). */
const ALTERNATIVES: Record<string, readonly string[]> = {
  'event@topic': ['expression'],
  'scatter-gather@result-content-type': ['content-type'],
};
/**
 * Required by the schema, but MI's own tooling writes artefacts without them: reported as warnings
 * so that real projects are not blocked by what the editor produces.
 */
const WARN_ONLY = new Set(['api@context']);

export const rule: Rule = {
  meta: {
    id: 'required-attribute',
    severity: 'error',
    description: 'Required attributes are present.',
    hint: 'Add the attribute.',
    appliesTo: ['synapse', 'j2'],
  },
  check({ doc, report }) {
    for (const v of described(doc)) {
      for (const [name, a] of Object.entries(attributesOf(v.spec))) {
        const key = `${v.el.local}@${name}`;
        if (!a.required || attr(v.el, name) || (ALTERNATIVES[key] ?? []).some((alt) => attr(v.el, alt))) continue;
        report({
          at: v.el,
          message: `<${v.el.name}> needs the attribute ${name}.`,
          hint: `Add ${name}="…" to <${v.el.name}>.`,
          ...(WARN_ONLY.has(key) ? { severity: 'warning' as const } : {}),
        });
      }
    }
  },
};
