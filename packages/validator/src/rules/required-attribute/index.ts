/**
 * @fileoverview `required-attribute`: attributes the catalogue marks required are present
 * (a sequence's `name`, a class mediator's `name`, a property's `name`…).
 */
import { attributesOf } from '../../catalogue';
import { attr } from '../../document';
import { described } from '../../schemaWalk';
import type { Rule } from '../../types';

/** Required attributes another attribute can stand in for (the engine takes either). */
const ALTERNATIVES: Record<string, readonly string[]> = {
  'event@topic': ['expression'],
};
/**
 * Required by the schema, optional for Synapse's factories (each checked with the engine on WSO2's
 * own files): publishWSDL without preservePolicy, a proxy without transports (all of them), a
 * message store without class (in memory), an inbound endpoint without suspend, a header mediator
 * whose header is inline XML (no name), a WSDL endpoint with an inline definition (no uri).
 */
const OPTIONAL_FOR_ENGINE = new Set([
  'publishWSDL@preservePolicy',
  'proxy@transports',
  'messageStore@class',
  'inboundEndpoint@suspend',
  'header@name',
  'wsdl@uri',
]);

export const rule: Rule = {
  meta: {
    id: 'required-attribute',
    severity: 'error',
    description: 'Required attributes are present.',
    hint: 'Add the attribute.',
    appliesTo: ['synapse', 'j2'],
  },
  check({ doc, report }) {
    for (const v of described(doc)) {
      for (const [name, a] of Object.entries(attributesOf(v.spec))) {
        const key = `${v.el.local}@${name}`;
        if (!a.required || OPTIONAL_FOR_ENGINE.has(key) || attr(v.el, name)) continue;
        if ((ALTERNATIVES[key] ?? []).some((alt) => attr(v.el, alt))) continue;
        report({
          at: v.el,
          message: `<${v.el.name}> needs the attribute ${name}.`,
          hint: `Add ${name}="…" to <${v.el.name}>.`,
        });
      }
    }
  },
};
