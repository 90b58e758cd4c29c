/**
 * @fileoverview `well-formed`: the file must be well-formed XML (a `.j2` template after its Jinja
 * statements are set aside and it is wrapped as API Manager wraps it).
 */
import type { Rule } from '../../types';

export const rule: Rule = {
  meta: {
    id: 'well-formed',
    severity: 'error',
    description: 'The file is well-formed XML; a .j2 template is checked as the gateway renders it.',
    hint: 'Fix the XML at the reported position (unclosed tag, unescaped & or <, quote).',
    appliesTo: ['synapse', 'j2'],
  },
  check({ doc, report }) {
    if (doc.parseError) {
      report({ at: doc.parseError, message: `Not well-formed: ${doc.parseError.message}` });
    } else if (doc.trailingContent) {
      report({
        at: doc.trailingContent,
        severity: 'warning',
        message: `Not well-formed after the document element (${doc.trailingContent.message}); Synapse reads only the document element and ignores the rest.`,
        hint: 'Remove what follows the closing tag of the document element.',
      });
    }
  },
};
