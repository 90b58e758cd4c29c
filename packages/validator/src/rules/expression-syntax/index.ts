/**
 * @fileoverview `expression-syntax`: XPath 1.0, JSONPath (`json-eval(…)`, `evaluator="json"`) and
 * MI 4.4 `${…}` expressions parse.
 */
import { attr, walk } from '../../document';
import { checkExpression, checkSynapseExpressions } from '../../expressions';
import type { Rule } from '../../types';

/** Attributes that hold an expression, by element (`*` for any). */
function isExpressionAttribute(element: string, name: string): boolean {
  if (name === 'expression' || name === 'xpath') return true;
  if (name === 'source' && (element === 'filter' || element === 'switch')) return true;
  return false;
}

export const rule: Rule = {
  meta: {
    id: 'expression-syntax',
    // A warning by default: MI's own tooling writes placeholder expressions the engine only rejects
    // at deployment. Set it to "error" in .synapse-ai-validate.json for deployable projects.
    severity: 'warning',
    description: 'XPath 1.0, JSONPath and ${…} expressions parse.',
    hint: 'Fix the expression at the reported place.',
    appliesTo: ['synapse', 'j2'],
  },
  check({ doc, report }) {
    for (const el of walk(doc.root)) {
      for (const a of el.attributes) {
        if (a.value.includes('{{')) continue;
        if (isExpressionAttribute(el.local, a.name)) {
          const problem = checkExpression(a.value, attr(el, 'evaluator')?.value);
          if (problem) {
            report({
              at: a,
              message: `${a.name}="${a.value}": ${problem.message} (at character ${problem.offset + 1}).`,
            });
          }
        } else if (a.value.includes('${')) {
          const problem = checkSynapseExpressions(a.value);
          if (problem) report({ at: a, message: `${a.name}="${a.value}": ${problem.message}.` });
        }
      }
    }
  },
};
