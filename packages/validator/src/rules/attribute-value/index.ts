/**
 * @fileoverview `attribute-value`: attributes with a fixed set of values (log `level`,
 * payloadFactory `media-type`, call `blocking`…) hold one of them. Values computed at run time
 * (`{…}`, `$…`) and `.j2` placeholders are not checked. Property scopes belong to `property-scope`.
 */
import { attributesOf } from '../../catalogue';
import { described } from '../../schemaWalk';
import type { Rule } from '../../types';

/**
 * Enumerated attributes Synapse's factories take any value for (they fall back to a default or
 * ignore it): found by giving each attribute a value outside its set in a WSO2 file that builds and
 * building it with the engine (scripts/__tests__/validatorEngine.test.ts repeats that). A value
 * outside the set is a warning for these and an error for the rest.
 */
export const ENGINE_LENIENT: ReadonlySet<string> = new Set([
  'address@format',
  'address@optimize',
  'address@statistics',
  'address@trace',
  'api@trace',
  'arg@evaluator',
  'arg@literal',
  'call@blocking',
  'clone@continueParent',
  'clone@sequential',
  'dbreport@useTransaction',
  'default@trace',
  'http@method',
  'http@statistics',
  'inboundEndpoint@suspend',
  'iterate@continueParent',
  'iterate@sequential',
  'onComplete@aggregateElementType',
  'parameter@isMandatory',
  'payloadFactory@media-type',
  'property@value',
  'proxy@startOnLoad',
  'proxy@statistics',
  'proxy@trace',
  'send@buildmessage',
  'sequence@statistics',
  'sequence@trace',
  'source@clone',
  'transaction@action',
]);

/** Attributes another rule owns. */
const OWNED: Record<string, string> = { 'property@scope': 'property-scope' };

export function isDynamic(value: string): boolean {
  return value.includes('{{') || value.startsWith('{') || value.startsWith('$');
}

export const rule: Rule = {
  meta: {
    id: 'attribute-value',
    severity: 'error',
    description: 'Attributes with a fixed set of values hold one of them.',
    hint: 'Use one of the allowed values.',
    appliesTo: ['synapse', 'j2'],
  },
  check({ doc, report }) {
    for (const v of described(doc)) {
      const specs = attributesOf(v.spec);
      for (const a of v.el.attributes) {
        const allowed = specs[a.name]?.values;
        if (!allowed || OWNED[`${v.el.local}@${a.name}`] || isDynamic(a.value)) continue;
        if (!allowed.includes(a.value)) {
          const near = allowed.find((x) => x.toLowerCase() === a.value.toLowerCase());
          const lenient = ENGINE_LENIENT.has(`${v.el.local}@${a.name}`);
          report({
            at: a,
            message: `${a.name}="${a.value}" is not allowed on <${v.el.name}>${lenient ? ' (Synapse deploys it and uses its default instead)' : ''}.`,
            hint: near ? `Did you mean "${near}"?` : `Use one of: ${allowed.join(', ')}.`,
            ...(lenient ? { severity: 'warning' as const } : {}),
          });
        }
      }
    }
  },
};
