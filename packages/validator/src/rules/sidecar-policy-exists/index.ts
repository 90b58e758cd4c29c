/**
 * @fileoverview `sidecar-policy-exists`: a call to the synapse-ai sidecar (`…/v1/policies/<name>`)
 * names a policy or pipeline the sidecar serves. Active with `--sidecar-catalog FILE|URL`.
 */
import { walk } from '../../document';
import type { Rule } from '../../types';

const ROUTE = /\/v1\/policies\/([a-z][a-z0-9]*(?:-[a-z0-9]+)*)(?![\w-])/g;

export const rule: Rule = {
  meta: {
    id: 'sidecar-policy-exists',
    severity: 'error',
    description: 'Calls to the synapse-ai sidecar name a policy or pipeline it serves (with --sidecar-catalog).',
    hint: 'Use a name from GET /v1/policies, or add the pipeline to the sidecar configuration.',
    appliesTo: ['synapse', 'j2'],
  },
  check({ doc, project, report }) {
    const served = project.sidecarPolicies;
    if (!served) return;
    for (const el of walk(doc.root)) {
      for (const a of el.attributes) {
        for (const m of a.value.matchAll(ROUTE)) {
          if (!served.has(m[1]!)) {
            report({ at: a, message: `The sidecar serves no policy or pipeline named "${m[1]}".` });
          }
        }
      }
    }
  },
};
