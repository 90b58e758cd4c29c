/**
 * @fileoverview What the generators are given: policies (from the SDK's `describe()`) and
 * pipelines (from the sidecar configuration), each a sidecar route.
 */
import type { Flow, PolicyDescription } from '@synapse-ai/sdk';

export interface ArtefactSource {
  kind: 'policy' | 'pipeline';
  /** The sidecar route name (`/v1/policies/{name}`). */
  name: string;
  /** Semantic version carried by every generated artefact. */
  version: string;
  description: string;
  /** Flows the route serves (artefacts are written for each; API Manager lists them as applicableFlows). */
  flows: readonly Flow[];
  /** The body kind the route always answers with, when it converts. */
  produces?: 'json' | 'xml' | 'text';
  /** A facade: in the request flow the answer goes to the client (the backend is not called). */
  answersClient?: boolean;
  /** A pipeline's policies, in order. */
  steps?: readonly string[];
}

const NAME_RE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const VERSION_RE = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

export function fromPolicy(d: PolicyDescription): ArtefactSource {
  return {
    kind: 'policy',
    name: d.name,
    version: d.version,
    description: d.description,
    flows: d.flows,
    ...(d.produces ? { produces: d.produces } : {}),
    ...(d.answersClient ? { answersClient: true } : {}),
  };
}

export function fromPipeline(
  name: string,
  steps: readonly PolicyDescription[],
  version = '1.0.0',
  description?: string,
): ArtefactSource {
  const flows = (['request', 'response', 'fault'] as const).filter((f) => steps.every((s) => s.flows.includes(f)));
  const last = steps.at(-1);
  return {
    kind: 'pipeline',
    name,
    version,
    description: description ?? `Pipeline ${steps.map((s) => s.name).join(' → ')}.`,
    flows,
    steps: steps.map((s) => s.name),
    ...(last?.produces ? { produces: last.produces } : {}),
    ...(steps.some((st) => st.answersClient) ? { answersClient: true } : {}),
  };
}

/** @throws {Error} naming the source and the field when a source cannot be generated. */
export function checkSource(s: ArtefactSource): void {
  const where = `${s.kind} "${s.name}"`;
  if (!NAME_RE.test(s.name)) {
    throw new Error(`${where}: the name must be kebab-case (a-z, 0-9, single hyphens). Fix: rename it.`);
  }
  if (!VERSION_RE.test(s.version)) {
    throw new Error(`${where}: version "${s.version}" is not a semantic version (1.2.3). Fix: set one.`);
  }
  if (!s.flows.some((f) => f === 'request' || f === 'response')) {
    throw new Error(`${where}: serves neither the request nor the response flow, so no artefact can call it.`);
  }
}

/** `redact-pii` → `RedactPii`. */
export function pascal(name: string): string {
  return name
    .split('-')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}
