/**
 * @fileoverview `j2-no-env-substitution`: apictl replaces `${WORD}` in `.j2` files with environment
 * variables before upload (and fails when one is unset), so a template must not contain one.
 */
import type { Rule } from '../../types';

export const rule: Rule = {
  meta: {
    id: 'j2-no-env-substitution',
    severity: 'error',
    description: 'A .j2 template contains no ${WORD}, which apictl would replace with an environment variable.',
    hint: 'Use a policy attribute ({{name}}) instead; for an MI 4.4 expression, write it so it is not ${word}.',
    appliesTo: ['j2'],
  },
  check({ doc, report }) {
    for (const m of doc.source.matchAll(/\$\{(\w+)\}/g)) {
      const before = doc.source.slice(0, m.index);
      report({
        at: { line: before.split('\n').length, column: m.index - before.lastIndexOf('\n') },
        message: `apictl replaces \${${m[1]}} with the environment variable ${m[1]} when it imports the policy.`,
      });
    }
  },
};
