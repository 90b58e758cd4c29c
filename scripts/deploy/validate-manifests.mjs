/**
 * Validates the Kubernetes manifests in examples/kubernetes against the Kubernetes API's JSON schemas
 * (kubernetes-models, generated from the Kubernetes OpenAPI spec) and the Prometheus Operator's CRDs
 * (@kubernetes-models/prometheus-operator). Prints one JSON line per object and exits 1 on any error.
 *   node scripts/deploy/validate-manifests.mjs [DIR]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

const MODELS = {
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

const dir = process.argv[2] ?? join(fileURLToPath(new URL('.', import.meta.url)), '../../examples/kubernetes');
let failed = 0;
for (const file of readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()) {
  for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
    if (doc.errors.length > 0) {
      failed++;
      console.log(JSON.stringify({ file, ok: false, error: doc.errors[0].message }));
      continue;
    }
    const obj = doc.toJS();
    if (obj === null) continue;
    const key = `${obj.apiVersion}/${obj.kind}`;
    const Model = MODELS[key];
    let error = null;
    if (!Model) error = `no schema for ${key}`;
    else {
      try {
        new Model(obj).validate();
      } catch (err) {
        error = err.message;
      }
    }
    if (error) failed++;
    console.log(JSON.stringify({ file, kind: obj.kind, name: obj.metadata?.name ?? null, ok: error === null, error }));
  }
}
process.exitCode = failed > 0 ? 1 : 0;
