/**
 * @fileoverview `policy-spec`: a `.j2` policy template has a readable specification beside it
 * (`<name>.yaml`, `.yml` or `.json`), as API Manager and apictl need both files.
 */
import type { Rule } from '../../types';

export const rule: Rule = {
  meta: {
    id: 'policy-spec',
    severity: 'warning',
    description: 'A .j2 policy template has a readable specification file with the same name.',
    hint: 'Add <name>.yaml (operation_policy_specification) or <name>.json beside the template.',
    appliesTo: ['j2'],
  },
  check({ doc, report }) {
    if (!doc.spec) {
      report({
        at: { line: 1, column: 1 },
        message: 'No specification (.yaml, .yml or .json) with the same name is beside this template.',
      });
    } else if (doc.spec.error) {
      report({
        at: { line: 1, column: 1 },
        severity: 'error',
        message: `${doc.spec.file} cannot be read (line ${doc.spec.error.line}, column ${doc.spec.error.column}): ${doc.spec.error.message}`,
        hint: 'Fix the YAML or JSON of the specification.',
      });
    }
  },
};
