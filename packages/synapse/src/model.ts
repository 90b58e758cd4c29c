/**
 * @fileoverview The typed model of the Synapse subset synapse-ai emits, and its mapping to XML.
 *
 * The model cannot express what generated artefacts must never contain: there is no `send`
 * mediator, and `call` is always blocking. Everything else follows the MI 4.4 schema
 * (`../shared/synapse-xsd`), which the tests validate every generated file against.
 */
import { comment, el, text, SYNAPSE_NS, type XmlElement, type XmlNode } from './xml';

export type PropertyScope = 'default' | 'transport' | 'axis2' | 'axis2-client' | 'operation';

export type Mediator =
  | PropertyMediator
  | EnrichMediator
  | PayloadFactoryMediator
  | CallMediator
  | FilterMediator
  | SwitchMediator
  | HeaderMediator
  | LogMediator
  | { kind: 'respond' }
  | { kind: 'drop' }
  | { kind: 'sequenceRef'; key: string }
  | CallTemplateMediator
  | CloneMediator
  | { kind: 'comment'; text: string };

/** `value` (a literal) or `expression` (XPath/`$ctx:`…), or `action: 'remove'`. */
export type PropertyMediator = {
  kind: 'property';
  name: string;
  scope?: PropertyScope;
  /** `OM`: the string value is parsed as XML (default `STRING`). */
  type?: 'OM';
} & ({ value: string } | { expression: string } | { action: 'remove' });

export type EnrichSource =
  | { type: 'body'; clone: boolean }
  | { type: 'property'; property: string; clone: boolean }
  | { type: 'inline'; content: string; clone: boolean }
  | { type: 'custom'; xpath: string; clone: boolean };
export type EnrichTarget = { type: 'body' } | { type: 'property'; property: string };

export interface EnrichMediator {
  kind: 'enrich';
  source: EnrichSource;
  target: EnrichTarget;
}

export interface PayloadFactoryMediator {
  kind: 'payloadFactory';
  mediaType: 'json' | 'xml' | 'text';
  format: string;
  args: ReadonlyArray<{ expression: string; evaluator?: 'xml' | 'json' } | { value: string }>;
}

/**
 * An HTTP endpoint for the sidecar. It is always written with `responseAction` `discard` (a failed
 * call runs no fault handler: the caller decides, see `sidecarCall.ts`) and with suspension turned
 * off (`errorCodes` -1, no initial duration), so that a failure never keeps the next call away.
 */
export interface HttpEndpoint {
  kind: 'http';
  /** Endpoint name (MI unit-test mocks are matched by it). */
  name?: string;
  method: 'post';
  uriTemplate: string;
  /** Milliseconds, or a placeholder such as `{{timeoutMs}}`. */
  timeout: string;
}

/**
 * `<clone continueParent="true" sequential="true">` with one inline target: the target runs at
 * once, in the same thread, on a copy of the message (its own body, properties, transport headers
 * and `axis2` properties); whatever happens there, the original message continues after the clone.
 * The two share only the Axis2 operation context (`scope="operation"` properties).
 */
export interface CloneMediator {
  kind: 'clone';
  target: readonly Mediator[];
}

export interface CallMediator {
  kind: 'call';
  /** Always blocking: API Manager does not support a non-blocking call inside policies. */
  endpoint: HttpEndpoint | { kind: 'ref'; key: string };
}

export type FilterMediator = {
  kind: 'filter';
  then: readonly Mediator[];
  else?: readonly Mediator[];
} & ({ source: string; regex: string } | { xpath: string });

export interface SwitchMediator {
  kind: 'switch';
  source: string;
  cases: ReadonlyArray<{ regex: string; body: readonly Mediator[] }>;
  default?: readonly Mediator[];
}

export type HeaderMediator = { kind: 'header'; name: string; scope?: 'transport' | 'default' } & (
  { value: string } | { expression: string } | { action: 'remove' }
);

export interface LogMediator {
  kind: 'log';
  level: 'custom' | 'simple' | 'headers';
  category?: 'INFO' | 'WARN' | 'ERROR' | 'DEBUG';
  properties: ReadonlyArray<{ name: string; value: string } | { name: string; expression: string }>;
}

export interface CallTemplateMediator {
  kind: 'callTemplate';
  target: string;
  params: ReadonlyArray<{ name: string; value: string }>;
}

function endpointXml(ep: CallMediator['endpoint']): XmlElement {
  if (ep.kind === 'ref') return el('endpoint', { key: ep.key });
  return el('endpoint', { name: ep.name }, httpXml(ep));
}

export function httpXml(ep: HttpEndpoint): XmlElement {
  return el(
    'http',
    { method: ep.method, 'uri-template': ep.uriTemplate },
    el('timeout', null, el('duration', null, ep.timeout), el('responseAction', null, 'discard')),
    el(
      'suspendOnFailure',
      null,
      el('errorCodes', null, '-1'),
      el('initialDuration', null, '0'),
      el('progressionFactor', null, '1.0'),
      el('maximumDuration', null, '0'),
    ),
    el('markForSuspension', null, el('errorCodes', null, '-1')),
  );
}

/** property and header share their attributes: name, scope, and one of action, value, expression. */
function setterAttrs(m: PropertyMediator | HeaderMediator): Record<string, string | undefined> {
  return {
    name: m.name,
    scope: m.scope,
    type: m.kind === 'property' ? m.type : undefined,
    action: 'action' in m ? m.action : undefined,
    value: 'value' in m ? m.value : undefined,
    expression: 'expression' in m ? m.expression : undefined,
  };
}

export function mediatorXml(m: Mediator): XmlNode {
  switch (m.kind) {
    case 'property':
      return el('property', setterAttrs(m));
    case 'enrich': {
      const s = m.source;
      const source =
        s.type === 'inline'
          ? el('source', { type: 'inline', clone: s.clone }, text(s.content))
          : s.type === 'custom'
            ? el('source', { type: 'custom', clone: s.clone, xpath: s.xpath })
            : el('source', { type: s.type, clone: s.clone, property: s.type === 'property' ? s.property : undefined });
      const target = el('target', {
        type: m.target.type,
        property: m.target.type === 'property' ? m.target.property : undefined,
      });
      return el('enrich', null, source, target);
    }
    case 'payloadFactory':
      return el(
        'payloadFactory',
        { 'media-type': m.mediaType },
        el('format', null, text(m.format, m.mediaType === 'json')),
        el(
          'args',
          null,
          m.args.map((a) =>
            'value' in a
              ? el('arg', { value: a.value })
              : el('arg', { evaluator: a.evaluator, expression: a.expression }),
          ),
        ),
      );
    case 'call':
      return el('call', { blocking: 'true' }, endpointXml(m.endpoint));
    case 'filter': {
      const attrs = 'xpath' in m ? { xpath: m.xpath } : { source: m.source, regex: m.regex };
      return el(
        'filter',
        attrs,
        el('then', null, listXml(m.then)),
        m.else && m.else.length > 0 ? el('else', null, listXml(m.else)) : null,
      );
    }
    case 'switch':
      return el(
        'switch',
        { source: m.source },
        m.cases.map((c) => el('case', { regex: c.regex }, listXml(c.body))),
        m.default ? el('default', null, listXml(m.default)) : null,
      );
    case 'header':
      return el('header', setterAttrs(m));
    case 'log':
      return el(
        'log',
        { level: m.level, category: m.category },
        m.properties.map((p) =>
          el('property', {
            name: p.name,
            value: 'value' in p ? p.value : undefined,
            expression: 'expression' in p ? p.expression : undefined,
          }),
        ),
      );
    case 'respond':
      return el('respond');
    case 'drop':
      return el('drop');
    case 'sequenceRef':
      return el('sequence', { key: m.key });
    case 'callTemplate':
      return el(
        'call-template',
        { target: m.target },
        m.params.map((p) => el('with-param', { name: p.name, value: p.value })),
      );
    case 'clone':
      return el(
        'clone',
        { continueParent: 'true', sequential: 'true' },
        el('target', null, el('sequence', null, listXml(m.target))),
      );
    case 'comment':
      return comment(m.text);
  }
}

export function listXml(list: readonly Mediator[]): XmlNode[] {
  return list.map(mediatorXml);
}

// ---- top-level artefacts -------------------------------------------------------------------

export interface SequenceArtefact {
  kind: 'sequence';
  name: string;
  onError?: string;
  header?: string;
  /** Further comments before the element (e.g. a validator directive). */
  notes?: readonly string[];
  body: readonly Mediator[];
}

export interface TemplateArtefact {
  kind: 'template';
  name: string;
  header?: string;
  parameters: ReadonlyArray<{ name: string; defaultValue?: string; mandatory: boolean }>;
  body: readonly Mediator[];
}

export interface EndpointArtefact {
  kind: 'endpoint';
  name: string;
  header?: string;
  http: HttpEndpoint;
}

export interface LocalEntryArtefact {
  kind: 'localEntry';
  key: string;
  header?: string;
  value: string;
}

export type Artefact = SequenceArtefact | TemplateArtefact | EndpointArtefact | LocalEntryArtefact;

/** The artefact as a single XML element (with the Synapse namespace), preceded by its header comment. */
export function artefactXml(a: Artefact): XmlNode[] {
  const head = [...(a.header === undefined ? [] : [a.header]), ...(a.kind === 'sequence' ? (a.notes ?? []) : [])].map(
    comment,
  );
  switch (a.kind) {
    case 'sequence':
      return [...head, el('sequence', { xmlns: SYNAPSE_NS, name: a.name, onError: a.onError }, listXml(a.body))];
    case 'template':
      return [
        ...head,
        el(
          'template',
          { xmlns: SYNAPSE_NS, name: a.name },
          a.parameters.map((p) =>
            el('parameter', {
              name: p.name,
              isMandatory: p.mandatory,
              defaultValue: p.defaultValue,
            }),
          ),
          el('sequence', null, listXml(a.body)),
        ),
      ];
    case 'endpoint':
      return [...head, el('endpoint', { xmlns: SYNAPSE_NS, name: a.name }, httpXml({ ...a.http, name: undefined }))];
    case 'localEntry':
      return [...head, el('localEntry', { xmlns: SYNAPSE_NS, key: a.key }, text(a.value, true))];
  }
}
