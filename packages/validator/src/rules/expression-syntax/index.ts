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
    // Micro Integrator refuses to deploy an artefact whose expression does not compile.
    severity: 'error',
    description: 'XPath 1.0, JSONPath and ${…} expressions parse.',
    hint: 'Fix the expression at the reported place.',
    appliesTo: ['synapse', 'j2'],
  },
  check({ doc, report }) {
    for (const el of walk(doc.root)) {
      // ${…} in a log message template, and in a payloadFactory format of the default template type
      const template =
        (el.local === 'message' && el.parent?.local === 'log') ||
        (el.local === 'format' && el.parent?.local === 'payloadFactory' && !attr(el.parent, 'template-type'));
      if (template && el.text.includes('${') && !el.text.includes('{{')) {
        const problem = checkSynapseExpressions(el.text);
        if (problem) report({ at: el, message: `<${el.name}> text: ${problem.message}.` });
      }
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
          // elsewhere ${…} may be a URI template or plain text: only its brackets are checked
          const problem = checkSynapseExpressions(a.value, { names: false });
          if (problem) report({ at: a, message: `${a.name}="${a.value}": ${problem.message}.` });
        }
      }
    }
  },
};
