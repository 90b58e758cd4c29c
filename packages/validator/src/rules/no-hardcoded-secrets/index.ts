/**
 * @fileoverview `no-hardcoded-secrets`: passwords, bearer tokens and API keys are never written
 * into the configuration; they come from the secure vault (`wso2:vault-lookup`), a Secret policy
 * attribute, or the environment. Values in a known key format (AWS, GitHub, Slack, Stripe, Google,
 * OpenAI, private keys, bearer and basic credentials) are errors; a literal under a secret-looking
 * name (`password`, `apiKey`, `Authorization`…) is a warning, since it may be a placeholder.
 */
import { walk, type XAttribute, type XElement } from '../../document';
import type { Rule } from '../../types';

const SECRET_NAME =
  /(pass(word|wd)?|secret|api[-_.]?key|access[-_.]?key|token|authorization|credential|private[-_.]?key)$/i;
const KEY_FORMATS: Array<[string, RegExp]> = [
  ['an AWS access key', /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
  ['a GitHub token', /\bgh[pousr]_[A-Za-z0-9]{36,}\b/],
  ['a GitLab token', /\bglpat-[A-Za-z0-9_-]{20,}\b/],
  ['a Slack token', /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/],
  ['a Stripe key', /\b[sr]k_live_[A-Za-z0-9]{16,}\b/],
  ['a Google API key', /\bAIza[0-9A-Za-z_-]{35}\b/],
  ['an OpenAI key', /\bsk-(proj-)?[A-Za-z0-9_-]{20,}\b/],
  ['a private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['a bearer token', /\bBearer\s+[A-Za-z0-9._~+/-]{8,}=*/],
  ['basic credentials', /\bBasic\s+[A-Za-z0-9+/]{12,}=*/],
];

/** Values that are references, not secrets. */
function isIndirect(value: string): boolean {
  const v = value.trim();
  return (
    v === '' ||
    v.includes('{{') ||
    v.includes('vault-lookup') ||
    v.includes('${') ||
    /^\$(SYSTEM|FILE|ctx|trp|axis2|func|env):/.test(v) ||
    /^\{.*\}$/.test(v) ||
    /^\$\w+$/.test(v)
  );
}

function literalSecret(value: string): string | undefined {
  for (const [what, re] of KEY_FORMATS) if (re.test(value)) return what;
  return undefined;
}

export const rule: Rule = {
  meta: {
    id: 'no-hardcoded-secrets',
    // a warning by default (the artefact deploys); set it to "error" in .synapse-ai-validate.json
    severity: 'warning',
    description: 'No passwords, bearer tokens or API keys are written into the configuration.',
    hint: "Use {wso2:vault-lookup('alias')} (MI), a Secret policy attribute (API Manager 4.6+), or $SYSTEM:VAR.",
    appliesTo: ['synapse', 'j2'],
  },
  check({ doc, report }) {
    const check = (at: XElement | XAttribute, name: string, value: string): void => {
      if (isIndirect(value)) return;
      const format = literalSecret(value);
      if (format) {
        report({ at, message: `${name} holds ${format} written in clear.` });
      } else if (SECRET_NAME.test(name) && value.trim().length >= 3) {
        // A field named like a secret with a literal may be a placeholder: a warning, not an error.
        report({
          at,
          severity: 'warning',
          message: `${name} is given a literal value; secrets do not belong in the configuration.`,
        });
      }
    };
    for (const el of walk(doc.root)) {
      // <property name="Authorization" value="…"/>, <header name="X-API-Key" value="…"/>, <parameter name="password">…</parameter>
      const nameAttr =
        el.attributes.find((a) => a.name === 'name')?.value ?? el.attributes.find((a) => a.name === 'key')?.value;
      const valueAttr = el.attributes.find((a) => a.name === 'value');
      if (valueAttr && nameAttr && el.local !== 'log' && el.parent?.local !== 'log')
        check(valueAttr, nameAttr, valueAttr.value);
      else if (valueAttr) {
        const f = literalSecret(valueAttr.value);
        if (f && !isIndirect(valueAttr.value))
          report({ at: valueAttr, message: `A value holds ${f} written in clear.` });
      }
      if (el.children.length === 0 && el.text.trim() !== '') {
        const label = el.local === 'parameter' && nameAttr ? nameAttr : el.local;
        check(el, label, el.text);
      }
    }
  },
};
