/**
 * @fileoverview `mediator-config`: settings Synapse's mediator factories check when Micro Integrator
 * deploys the artefact, beyond what the schema says. Each check mirrors a failure seen with the
 * engine on WSO2's own files:
 * - a `makefault` code names a SOAP fault code of its version ("Invalid code value for soap12 version");
 * - `validate` has a non-empty `<on-fail>` ("A non-empty <on-fail> child element is required");
 * - a `dblookup`/`dbreport` connection pool names its driver and URL, or a data source
 *   ("The DataSource connection information must be specified");
 * - a class named by a `class`, `bean`, `pojoCommand` or `ejb` mediator is in a package (MI loads
 *   mediator classes from OSGi bundles, which cannot export the default package; the engine:
 *   "Error loading class", "Error while loading 'TestClass' class");
 * - an `xslt` or `validate` `<feature>` is named by a URI, as every XML processing feature is
 *   ("Error occurred when setting features to the TransformerFactory").
 */
import { attr, SYNAPSE_NS, walk, type XElement } from '../../document';
import type { Rule } from '../../types';

const SOAP11_CODES = ['VersionMismatch', 'MustUnderstand', 'Client', 'Server'];
const SOAP12_CODES = ['VersionMismatch', 'MustUnderstand', 'DataEncodingUnknown', 'Sender', 'Receiver'];
const CLASS_ATTRIBUTE: Record<string, string> = { class: 'name', bean: 'class', pojoCommand: 'name', ejb: 'class' };

function isDynamicOrTemplated(value: string): boolean {
  return value.includes('{{') || value.startsWith('{') || value.startsWith('$');
}

export const rule: Rule = {
  meta: {
    id: 'mediator-config',
    severity: 'error',
    description:
      'Mediator settings Synapse checks at deployment hold: fault codes, on-fail, connection pools, class packages, feature names.',
    hint: 'Fix the setting named in the message.',
    appliesTo: ['synapse', 'j2'],
  },
  check({ doc, report }) {
    if (doc.parseError || doc.root?.uri !== SYNAPSE_NS) return;
    for (const el of walk(doc.root)) {
      if (el.uri !== SYNAPSE_NS) continue;
      if (el.local === 'makefault') {
        const version = attr(el, 'version')?.value ?? 'soap11';
        const code = el.children.find((c: XElement) => c.local === 'code');
        const value = code && attr(code, 'value');
        if (value && (version === 'soap11' || version === 'soap12') && !isDynamicOrTemplated(value.value)) {
          const local = value.value.includes(':') ? value.value.slice(value.value.indexOf(':') + 1) : value.value;
          const codes = version === 'soap12' ? SOAP12_CODES : SOAP11_CODES;
          if (!codes.includes(local)) {
            report({
              at: value,
              message: `<code value="${value.value}"> is not a ${version} fault code; Synapse refuses it (one of ${codes.join(', ')}).`,
              hint: `Use prefix:${codes[0]} … with the prefix bound to the ${version === 'soap12' ? 'SOAP 1.2' : 'SOAP 1.1'} envelope namespace.`,
            });
          }
        }
      } else if (el.local === 'validate') {
        const onFail = el.children.find((c: XElement) => c.local === 'on-fail');
        if (!onFail || onFail.children.length === 0) {
          report({
            at: onFail ?? el,
            message: '<validate> needs an <on-fail> with at least one mediator; Synapse refuses to build it otherwise.',
            hint: 'Put what to do with an invalid message in <on-fail> (for example <makefault> and <respond/>).',
          });
        }
      } else if (
        el.local === 'pool' &&
        (el.parent?.parent?.local === 'dblookup' || el.parent?.parent?.local === 'dbreport')
      ) {
        const names = new Set(el.children.map((c: XElement) => c.local));
        if (!names.has('dsName') && !(names.has('driver') && names.has('url'))) {
          report({
            at: el,
            message: `The connection <pool> of <${el.parent!.parent!.name}> names neither <driver> and <url> nor <dsName>; Synapse cannot build the data source.`,
            hint: 'Add <driver> and <url> (with <user> and <password>), or <dsName> for a JNDI data source.',
          });
        }
      }
      const classAttr = CLASS_ATTRIBUTE[el.local];
      const cls = classAttr ? attr(el, classAttr) : undefined;
      if (cls && !isDynamicOrTemplated(cls.value) && cls.value !== '' && !cls.value.includes('.')) {
        report({
          at: cls,
          message: `${classAttr}="${cls.value}" names a class in the default package; Micro Integrator loads mediator classes from OSGi bundles, which cannot export the default package, so the class is never found.`,
          hint: 'Give the class a package (com.example.MyMediator).',
        });
      }
      if (el.local === 'feature' && (el.parent?.local === 'xslt' || el.parent?.local === 'validate')) {
        const name = attr(el, 'name');
        if (name && !isDynamicOrTemplated(name.value) && !/^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/.test(name.value)) {
          report({
            at: name,
            message: `<feature name="${name.value}"> is not a URI; XML processors know features only by URI, so Synapse fails setting it.`,
            hint: 'Use the feature URI, e.g. http://javax.xml.XMLConstants/feature/secure-processing.',
          });
        }
      }
    }
  },
};
