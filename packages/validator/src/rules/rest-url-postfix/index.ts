/**
 * @fileoverview `rest-url-postfix`: inside an API, a call to another service gets the API's
 * resource path appended to its URL unless `REST_URL_POSTFIX` is removed first.
 */
import { attr, walk, type XElement } from '../../document';
import type { Rule } from '../../types';

function removesPostfix(el: XElement): boolean {
  return (
    el.local === 'property' && attr(el, 'name')?.value === 'REST_URL_POSTFIX' && attr(el, 'action')?.value === 'remove'
  );
}

export const rule: Rule = {
  meta: {
    id: 'rest-url-postfix',
    severity: 'warning',
    description: 'In an API, REST_URL_POSTFIX is removed before calling another service.',
    hint: 'Add <property name="REST_URL_POSTFIX" scope="axis2" action="remove"/> before the call.',
    appliesTo: ['synapse', 'j2'],
  },
  check({ doc, report }) {
    const root = doc.root;
    if (!root || (doc.kind !== 'j2' && root.local !== 'api')) return;
    // Document order within each resource (or the whole fragment): a removal before the call counts.
    const scopes = doc.kind === 'j2' ? [root] : root.children.filter((c) => c.local === 'resource');
    for (const scope of scopes) {
      let removed = false;
      for (const el of walk(scope)) {
        if (removesPostfix(el)) removed = true;
        if ((el.local === 'call' || el.local === 'callout') && !removed) {
          const endpoint = el.children.find((c) => c.local === 'endpoint');
          const http = endpoint?.children.find((c) => c.local === 'http' || c.local === 'address');
          const target = http
            ? (attr(http, 'uri-template') ?? attr(http, 'uri'))?.value
            : attr(endpoint ?? el, 'key')?.value;
          if (endpoint)
            report({
              at: el,
              message: `The API's resource path is appended to this call's URL${target ? ` (${target})` : ''}.`,
            });
        }
      }
    }
  },
};
