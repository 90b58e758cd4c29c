/**
 * @fileoverview `j2-attributes`: every `{{attr}}` in a policy template is declared in its
 * specification's `policyAttributes`, and every declared attribute is used.
 */
import type { Position } from '../../document';
import type { Rule } from '../../types';

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w]*)[^}]*\}\}/g;
// Names Jinja statements use ({% if accessKey %}) count as uses too.
const STATEMENT = /\{%([\s\S]*?)%\}/g;

export const rule: Rule = {
  meta: {
    id: 'j2-attributes',
    severity: 'error',
    description:
      'Every {{attr}} in a .j2 template is declared in its specification, and every declared attribute is used.',
    hint: 'Declare the attribute in policyAttributes (with a validationRegex), or remove it.',
    appliesTo: ['j2'],
  },
  check({ doc, report }) {
    if (!doc.spec || doc.spec.error) return;
    const declared = new Map(doc.spec.attributes.map((a) => [a.name, a]));
    const used = new Set<string>();
    const posOf = (offset: number): Position => {
      const before = doc.source.slice(0, offset);
      return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
    };
    for (const m of doc.source.matchAll(PLACEHOLDER)) {
      const name = m[1]!;
      used.add(name);
      if (!declared.has(name)) {
        report({
          at: posOf(m.index),
          message: `{{${name}}} is not declared in ${doc.spec.file}.`,
          hint: `Add { name: ${name}, type: String, validationRegex: … } to policyAttributes.`,
        });
      }
    }
    for (const m of doc.source.matchAll(STATEMENT)) {
      for (const w of m[1]!.matchAll(/[A-Za-z_]\w*/g)) used.add(w[0]);
    }
    for (const name of declared.keys()) {
      if (!used.has(name)) {
        report({
          at: { line: 1, column: 1 },
          severity: 'warning',
          message: `The attribute ${name} is declared in ${doc.spec.file} but the template never uses it.`,
          hint: `Use {{${name}}} in the template or remove it from policyAttributes.`,
        });
      }
    }
  },
};
