/**
 * @fileoverview `unexpected-element`: an element that is not a mediator sits only where its parent
 * allows it (e.g. `<then>` inside `<filter>`, `<format>` inside `<payloadFactory>`). Synapse's
 * factories read the children they know and skip the rest, so such an element deploys and does
 * nothing: a warning (it is often a typo, `<outSequenc>`), not an error. Unknown elements where
 * mediators go are `unknown-mediator`'s, and those fail to deploy.
 */
import { visits } from '../../schemaWalk';
import type { Rule } from '../../types';

export const rule: Rule = {
  meta: {
    id: 'unexpected-element',
    severity: 'warning',
    description: 'Elements appear only inside parents that read them (Synapse skips the others).',
    hint: 'Move the element to the parent that takes it, fix its name, or remove it.',
    appliesTo: ['synapse', 'j2'],
  },
  check({ doc, report }) {
    for (const v of visits(doc)) {
      if (v.kind === 'unexpected') {
        report({ at: v.el, message: `<${v.el.name}> is not read inside <${v.parent.name}>: Synapse skips it.` });
      }
    }
  },
};
