/**
 * @fileoverview `property-scope`: a property's scope, and the scope named in
 * `get-property('scope', 'name')`, is one the engine has.
 */
import { mediatorSpec } from '../../catalogue';
import { attr, walk } from '../../document';
import { isDynamic } from '../attribute-value';
import type { Rule } from '../../types';

/** The scopes `get-property(scope, name)` reads (Synapse's GetPropertyFunction). */
export const SCOPES = [
  'default',
  'transport',
  'axis2',
  'axis2-client',
  'operation',
  'registry',
  'system',
  'env',
  'file',
  'func',
  'trace',
  'synapse',
];
/** The scopes the property mediator takes, from the catalogue. */
const PROPERTY_SCOPES = mediatorSpec('property')?.attributes?.scope?.values ?? [];

export const rule: Rule = {
  meta: {
    id: 'property-scope',
    severity: 'error',
    description: 'Property scopes (scope="…" and get-property(\'scope\', …)) are ones the engine has.',
    hint: `Use one of: ${PROPERTY_SCOPES.join(', ')}.`,
    appliesTo: ['synapse', 'j2'],
  },
  check({ doc, report }) {
    if (doc.parseError) return;
    for (const el of walk(doc.root)) {
      if ((el.local === 'property' || el.local === 'propertyGroup') && el.parent && el.parent.local !== 'log') {
        const scope = attr(el, 'scope');
        if (scope && !isDynamic(scope.value) && !PROPERTY_SCOPES.includes(scope.value)) {
          report({ at: scope, message: `scope="${scope.value}" is not a property scope.` });
        }
      }
      for (const a of el.attributes) {
        for (const m of a.value.matchAll(/get-property\(\s*'([^']*)'\s*,/g)) {
          // get-property('SYSTEM_DATE' | 'SYSTEM_TIME', format): the second argument is a date format
          if (m[1] === 'SYSTEM_DATE' || m[1] === 'SYSTEM_TIME') continue;
          if (!SCOPES.includes(m[1]!)) {
            report({
              at: a,
              message: `get-property('${m[1]}', …) names no scope.`,
              hint: `Use one of: ${SCOPES.join(', ')}.`,
            });
          }
        }
      }
    }
  },
};
