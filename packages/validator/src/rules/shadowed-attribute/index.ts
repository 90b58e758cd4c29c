/**
 * @fileoverview `shadowed-attribute`: two settings where Synapse reads only one (its factories take
 * the first they find): a property's `value` wins over `expression` and over inline XML, a filter's
 * `xpath` over `source`/`regex`. The artefact deploys (checked with the engine); the other setting
 * does nothing, which is seldom what was meant.
 */
import { attr, SYNAPSE_NS, walk } from '../../document';
import type { Rule } from '../../types';

export const rule: Rule = {
  meta: {
    id: 'shadowed-attribute',
    severity: 'warning',
    description: 'No setting is given where Synapse reads another one instead.',
    hint: 'Keep the one setting you mean and remove the other.',
    appliesTo: ['synapse', 'j2'],
  },
  check({ doc, report }) {
    if (doc.parseError || doc.root?.uri !== SYNAPSE_NS) return;
    for (const el of walk(doc.root)) {
      if (el.uri !== SYNAPSE_NS) continue;
      if (el.local === 'property' && el.parent?.local !== 'endpoint') {
        const value = attr(el, 'value');
        const expression = attr(el, 'expression');
        if (value && expression) {
          report({
            at: expression,
            message: `<property name="${attr(el, 'name')?.value ?? ''}"> has value and expression; Synapse uses value and ignores expression.`,
          });
        } else if ((value || expression) && el.children.length > 0) {
          report({
            at: el.children[0]!,
            message: `<property> has ${value ? 'value' : 'expression'} and inline XML; Synapse uses ${value ? 'value and ignores the XML' : 'the XML and ignores expression'}.`,
          });
        }
      } else if (el.local === 'filter') {
        const xpath = attr(el, 'xpath');
        const other = attr(el, 'source') ?? attr(el, 'regex');
        if (xpath && other) {
          report({
            at: other,
            message: '<filter> has xpath and source/regex; Synapse evaluates xpath and ignores source and regex.',
          });
        }
      }
    }
  },
};
