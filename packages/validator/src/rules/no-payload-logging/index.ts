/**
 * @fileoverview `no-payload-logging`: a `log level="full"`, `logFullPayload="true"` or a log
 * property holding the body writes personal data from the payload into the logs.
 */
import { attr, walk } from '../../document';
import type { Rule } from '../../types';

const BODY_EXPRESSION = /^\s*(\$body\b|json-eval\(\s*\$\s*\)|\$\{\s*payload\s*\}|\/\/\*|\/|\$ctx:payload)/;

export const rule: Rule = {
  meta: {
    id: 'no-payload-logging',
    severity: 'warning',
    description:
      'Logs do not write the message payload (level="full", logFullPayload, or a property holding the body).',
    hint: 'Log identifiers (correlation id, API, status) instead; set this rule to error for flows that carry personal data.',
    appliesTo: ['synapse', 'j2'],
  },
  check({ doc, report }) {
    for (const el of walk(doc.root)) {
      if (el.local !== 'log') continue;
      const level = attr(el, 'level');
      if (level?.value === 'full')
        report({ at: level, message: 'log level="full" writes the whole payload to the log.' });
      const full = attr(el, 'logFullPayload');
      if (full?.value === 'true')
        report({ at: full, message: 'logFullPayload="true" writes the whole payload to the log.' });
      for (const p of el.children) {
        const e = attr(p, 'expression');
        if (p.local === 'property' && e && BODY_EXPRESSION.test(e.value)) {
          report({
            at: e,
            message: `The log property ${attr(p, 'name')?.value ?? ''} writes the payload (${e.value}) to the log.`,
          });
        }
      }
    }
  },
};
