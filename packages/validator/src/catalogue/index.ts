/**
 * @fileoverview The mediator catalogue: the MI 4.4 vocabulary derived from the Synapse schema
 * (`schema.generated.ts`), plus the relaxations the engine needs and the schema lacks:
 * - connector operations (`<http.get>`, `<email.send>`) are not in the schema; unknown ones are
 *   warnings, never errors;
 * - API Manager's own mediators (`<opa>`, used in its shipped policies) are known;
 * - child order is not checked (the engine accepts several orders the schema rejects).
 */
import { ELEMENTS, GROUPS, MEDIATOR_NAMES, TYPES } from './schema.generated';
import type { AttributeSpec, ElementSpec } from './types';

export type { AttributeSpec, ElementSpec } from './types';

/** Mediators of API Manager's gateway that MI's schema does not describe. */
const APIM_MEDIATORS: Record<string, ElementSpec> = {
  opa: { attributes: {}, any: true, text: true },
};

const MEDIATORS = new Set([...MEDIATOR_NAMES, ...Object.keys(APIM_MEDIATORS)]);

/**
 * Children Synapse's factories read that the schema does not list (each seen building with the
 * engine on WSO2's own files), by parent: `any` for content that is not checked further.
 */
const ENGINE_CHILDREN: Record<string, Record<string, ElementSpec | 'any'>> = {
  // conditionalRouter: EvaluatorFactoryFinder's evaluators
  condition: { and: 'any', or: 'any', not: 'any', equal: 'any', match: 'any' },
  // a recipient list resolved at run time: <endpoints value="{…}" max-cache="…"/>
  recipientlist: { endpoints: 'any' },
  // endpoint properties, and a failover or load balance group nested in a group's member
  endpoint: { property: 'any', failover: 'any', loadbalance: 'any' },
  // Synapse 1.2's form, still read (with a deprecation warning in the log)
  address: { suspendDurationOnFailure: 'any' },
  default: { suspendDurationOnFailure: 'any' },
  wsdl: { suspendDurationOnFailure: 'any', definitions: 'any', description: 'any' },
  http: { suspendDurationOnFailure: 'any' },
};

/** Parents whose content is XML of any kind (inline WSDL, parameter values, fault details, SOAP headers). */
const ANY_CONTENT = new Set(['publishWSDL', 'parameter', 'detail', 'header', 'definitions']);

/** What Synapse makes of a child the schema does not allow, by the parent's and child's local names. */
export function engineChild(parent: string, child: string): ElementSpec | 'any' | undefined {
  if (ANY_CONTENT.has(parent)) return 'any';
  return ENGINE_CHILDREN[parent]?.[child];
}

/** True for a name in the MI 4.4 mediator vocabulary (or API Manager's). */
export function isMediator(local: string): boolean {
  return MEDIATORS.has(local);
}

/** A connector operation looks like `connector.operation`. */
export function isConnectorOperation(local: string): boolean {
  return /^[A-Za-z][\w-]*\.[A-Za-z][\w.-]*$/.test(local);
}

/** Follows `$type` / `$ref` to the full description. */
export function resolve(spec: ElementSpec | undefined): ElementSpec | undefined {
  let s = spec;
  for (let i = 0; s && i < 8; i++) {
    if (s.$type !== undefined) s = TYPES[s.$type];
    else if (s.$ref !== undefined) s = ELEMENTS[s.$ref] ?? ELEMENTS[`mediator:${s.$ref}`];
    else return s;
  }
  return s;
}

export function mediatorSpec(local: string): ElementSpec | undefined {
  return APIM_MEDIATORS[local] ?? resolve(ELEMENTS[`mediator:${local}`] ?? ELEMENTS[local]);
}

/** The description of a document element (`sequence`, `api`, `endpoint`, …). */
export function rootSpec(local: string): ElementSpec | undefined {
  return resolve(ELEMENTS[local]);
}

/**
 * What a child element is, under a parent described by `parent`: `mediator` (look it up with
 * {@link mediatorSpec}), a nested element spec, `any` (not checked), or undefined (not allowed).
 */
export function childSpec(parent: ElementSpec, local: string): ElementSpec | 'mediator' | 'any' | undefined {
  const direct = findChild(parent, local, new Set());
  if (direct) return resolve(direct) ?? 'any';
  if (parent.mediators && (isMediator(local) || isConnectorOperation(local))) return 'mediator';
  if (parent.any || hasAnyInGroups(parent, new Set())) return 'any';
  return undefined;
}

function findChild(spec: ElementSpec, local: string, seen: Set<string>): ElementSpec | undefined {
  const c = spec.children?.[local];
  if (c) return c;
  for (const g of spec.groups ?? []) {
    if (seen.has(g)) continue;
    seen.add(g);
    const found = findChild(GROUPS[g] ?? {}, local, seen);
    if (found) return found;
  }
  return undefined;
}

function hasAnyInGroups(spec: ElementSpec, seen: Set<string>): boolean {
  for (const g of spec.groups ?? []) {
    if (seen.has(g)) continue;
    seen.add(g);
    const gs = GROUPS[g];
    if (gs && (gs.any || hasAnyInGroups(gs, seen))) return true;
  }
  return false;
}

/** Whether mediators may appear among the children (directly or through groups). */
export function holdsMediators(spec: ElementSpec): boolean {
  return spec.mediators === true;
}

export function attributesOf(spec: ElementSpec): Record<string, AttributeSpec> {
  return spec.attributes ?? {};
}

export { MEDIATOR_NAMES };
