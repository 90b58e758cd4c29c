/**
 * @fileoverview Walks a document with the catalogue beside it, classifying every element: a known
 * mediator, a nested element the parent allows, an unknown mediator, a connector operation the
 * catalogue does not list, an element the parent does not allow, or free content (`xs:any`,
 * payload formats) that is not checked.
 */
import { childSpec, engineChild, isConnectorOperation, mediatorSpec, rootSpec, type ElementSpec } from './catalogue';
import { SYNAPSE_NS, type SynDocument, type XElement } from './document';

export type Visit =
  | { el: XElement; kind: 'mediator' | 'element'; spec: ElementSpec }
  | { el: XElement; kind: 'unknown-mediator' | 'connector' }
  | { el: XElement; kind: 'unexpected'; parent: XElement };

const MEDIATOR_LIST: ElementSpec = { mediators: true };
const cache = new WeakMap<SynDocument, Visit[]>();

/** Every classified element of a Synapse or `.j2` document (empty when it did not parse or is not Synapse). */
export function visits(doc: SynDocument): Visit[] {
  const hit = cache.get(doc);
  if (hit) return hit;
  const out: Visit[] = [];
  const root = doc.root;
  if (root && !doc.parseError && root.uri === SYNAPSE_NS) {
    if (doc.kind === 'j2') {
      walkChildren(root, MEDIATOR_LIST, out);
    } else if (doc.kind === 'synapse') {
      const spec = rootSpec(root.local);
      if (spec) {
        out.push({ el: root, kind: 'element', spec });
        walkChildren(root, spec, out);
      }
    }
  }
  cache.set(doc, out);
  return out;
}

function walkChildren(parent: XElement, spec: ElementSpec, out: Visit[]): void {
  for (const child of parent.children) {
    if (child.uri !== SYNAPSE_NS) {
      // Elements of other namespaces are payload content or extension configuration.
      if (spec.any || spec.text || spec.mediators || engineChild(parent.local, child.local)) continue;
      out.push({ el: child, kind: 'unexpected', parent });
      continue;
    }
    const c = childSpec(spec, child.local) ?? (spec.mediators ? undefined : engineChild(parent.local, child.local));
    if (c === 'any') continue;
    if (c === 'mediator') {
      const m = mediatorSpec(child.local);
      if (m) {
        out.push({ el: child, kind: 'mediator', spec: m });
        walkChildren(child, m, out);
      } else {
        out.push({ el: child, kind: isConnectorOperation(child.local) ? 'connector' : 'unknown-mediator' });
      }
      continue;
    }
    if (c === undefined) {
      if (spec.mediators) {
        out.push({ el: child, kind: isConnectorOperation(child.local) ? 'connector' : 'unknown-mediator' });
      } else {
        out.push({ el: child, kind: 'unexpected', parent });
      }
      continue;
    }
    out.push({ el: child, kind: 'element', spec: c });
    walkChildren(child, c, out);
  }
}

/** The classified elements the catalogue describes (known mediators and allowed elements), with their spec. */
export function described(doc: SynDocument): Array<Extract<Visit, { spec: ElementSpec }>> {
  return visits(doc).filter(
    (v): v is Extract<Visit, { spec: ElementSpec }> => v.kind === 'mediator' || v.kind === 'element',
  );
}
