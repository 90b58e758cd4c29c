/**
 * @fileoverview `j2-no-prolog`: a policy template is a mediator fragment the gateway pastes into a
 * sequence, so it cannot start with an XML declaration.
 */
import type { Rule } from '../../types';

export const rule: Rule = {
  meta: {
    id: 'j2-no-prolog',
    severity: 'error',
    description: 'A .j2 policy template has no XML declaration (<?xml …?>).',
    hint: 'Delete the <?xml …?> line; start with the first mediator.',
    appliesTo: ['j2'],
  },
  check({ doc, report }) {
    const m = /<\?xml[\s?]/.exec(doc.source);
    if (!m) return;
    const before = doc.source.slice(0, m.index);
    const line = before.split('\n').length;
    report({
      at: { line, column: m.index - before.lastIndexOf('\n') },
      message: 'The template has an XML declaration.',
    });
  },
};
