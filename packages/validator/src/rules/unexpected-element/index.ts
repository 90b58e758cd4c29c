/**
 * @fileoverview `unexpected-element`: an element that is not a mediator sits only where its parent
 * allows it (e.g. `<then>` inside `<filter>`, `<format>` inside `<payloadFactory>`).
 */
import { visits } from '../../schemaWalk';
import type { Rule } from '../../types';

export const rule: Rule = {
  meta: {
    id: 'unexpected-element',
    severity: 'error',
    description: 'Elements appear only inside parents that allow them.',
    hint: 'Move the element to the parent that takes it, or remove it.',
    appliesTo: ['synapse', 'j2'],
  },
  check({ doc, report }) {
    for (const v of visits(doc)) {
      if (v.kind === 'unexpected') {
        report({ at: v.el, message: `<${v.el.name}> is not allowed inside <${v.parent.name}>.` });
      }
    }
  },
};
