/**
 * @fileoverview `call-timeout`: a `call` (or `callout`/`send`) to an endpoint has a timeout, and the
 * flow it is in has an error path (the sequence's `onError`, or the API's or proxy's fault
 * sequence), so a slow or dead backend cannot hang or crash the flow unnoticed.
 *
 * An endpoint whose timeout `responseAction` is `discard` runs no fault handler when the call fails
 * (observed on the Synapse engine: `AbstractEndpoint.onFault` skips the handlers, and the blocking
 * `call` then stops the flow): that is an error path only inside a
 * `<clone continueParent="true" sequential="true">`, where the failure ends the copy and the
 * original message goes on after the clone. Anywhere else the client is left without an answer.
 */
import { attr, type SynDocument, type XElement } from '../../document';
import type { Project, Rule } from '../../types';

const ENDPOINT_KINDS = new Set(['address', 'http', 'default', 'wsdl']);

function endpointDefinition(endpoint: XElement): XElement | undefined {
  return endpoint.children.find((c) => ENDPOINT_KINDS.has(c.local));
}

function responseAction(def: XElement): string | undefined {
  return def.children
    .find((c) => c.local === 'timeout')
    ?.children.find((c) => c.local === 'responseAction')
    ?.text.trim();
}

/** Inside a sequential clone whose original continues: a failure there ends only the copy. */
function inContinuingClone(el: XElement): boolean {
  for (let p: XElement | null = el.parent; p; p = p.parent) {
    if (p.local === 'clone') {
      return attr(p, 'continueParent')?.value === 'true' && attr(p, 'sequential')?.value === 'true';
    }
  }
  return false;
}

function hasTimeout(def: XElement): boolean {
  const t = def.children.find((c) => c.local === 'timeout');
  return !!t && t.children.some((c) => c.local === 'duration' && c.text.trim() !== '');
}

function namedEndpoint(project: Project, key: string): XElement | undefined {
  for (const d of project.documents) {
    if (d.root?.local === 'endpoint' && attr(d.root, 'name')?.value === key) return d.root;
  }
  return undefined;
}

/** Whether a fault in `el` reaches a handler the artefact declares. */
function hasErrorPath(doc: SynDocument, el: XElement): boolean {
  for (let p: XElement | null = el; p; p = p.parent) {
    if (attr(p, 'onError')) return true;
    if (attr(p, 'faultSequence')) return true;
    if (p.children.some((c) => c.local === 'faultSequence')) return true;
    if (p.local === 'template') return true; // the caller's handler applies
  }
  return doc.kind === 'j2'; // API Manager runs the API's fault flow
}

export const rule: Rule = {
  meta: {
    id: 'call-timeout',
    severity: 'warning',
    description: 'Calls to endpoints have a timeout, and the flow has an error path (onError or a fault sequence).',
    hint: 'Add <timeout><duration>…</duration><responseAction>fault</responseAction></timeout> to the endpoint and an onError sequence.',
    appliesTo: ['synapse', 'j2'],
  },
  check({ doc, project, report }) {
    const stack: XElement[] = doc.root ? [doc.root] : [];
    while (stack.length > 0) {
      const el = stack.pop()!;
      stack.push(...el.children);
      if (el.local !== 'call' && el.local !== 'send') continue;
      const endpoint = el.children.find((c) => c.local === 'endpoint');
      if (!endpoint) continue;
      const key = attr(endpoint, 'key')?.value;
      const def =
        key !== undefined
          ? namedEndpoint(project, key) && endpointDefinition(namedEndpoint(project, key)!)
          : endpointDefinition(endpoint);
      if (def && !hasTimeout(def)) {
        report({ at: el, message: `The endpoint of this <${el.local}>${key ? ` (${key})` : ''} has no timeout.` });
      }
      if (def && responseAction(def) === 'discard') {
        if (!inContinuingClone(el)) {
          report({
            at: el,
            message: `A failure of this <${el.local}> runs no fault handler (responseAction discard) and stops the flow: the client gets no answer.`,
            hint: 'Use <responseAction>fault</responseAction> with an onError sequence, or make the call in a <clone continueParent="true" sequential="true"> and act on its result after the clone.',
          });
        }
        continue;
      }
      if (!hasErrorPath(doc, el)) {
        report({
          at: el,
          message: `A failure of this <${el.local}> has no error path (no onError or fault sequence around it).`,
          hint: 'Set onError="…" on the sequence, or a faultSequence on the API resource or proxy.',
        });
      }
    }
  },
};
