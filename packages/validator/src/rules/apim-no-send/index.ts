/**
 * @fileoverview `apim-no-send`: API Manager policies (`.j2`) must not use `send` or a
 * non-blocking `call`; the gateway does not support them inside policies. A policy that applies to
 * the fault flow only may end with `send` (it answers the client; WSO2's own `jsonFault` does).
 */
import { attr, walk } from '../../document';
import type { Rule } from '../../types';

export const rule: Rule = {
  meta: {
    id: 'apim-no-send',
    severity: 'error',
    description: 'An API Manager policy uses neither <send> nor a non-blocking <call>.',
    hint: 'Use <call blocking="true"> with an endpoint that has a timeout.',
    appliesTo: ['j2'],
  },
  check({ doc, report }) {
    const flows = doc.spec?.applicableFlows;
    const faultOnly = flows !== undefined && flows.length > 0 && flows.every((f) => f === 'fault');
    for (const el of walk(doc.root)) {
      if (el === doc.root) continue;
      if (el.local === 'send' && !faultOnly)
        report({ at: el, message: 'API Manager policies cannot use <send> (outside a fault-flow-only policy).' });
      if (el.local === 'call' && attr(el, 'blocking')?.value !== 'true') {
        report({
          at: el,
          message: 'API Manager policies need <call blocking="true">; a non-blocking call is not supported.',
        });
      }
    }
  },
};
