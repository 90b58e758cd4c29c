/**
 * @fileoverview `policy-spec`: a `.j2` policy template has a readable specification beside it
 * (`<name>.yaml`, `.yml` or `.json`), as API Manager and apictl need both files, and the
 * specification is one API Manager takes: the fields of its OperationPolicySpecification
 * (carbon-apimgt) with the values the server knows — category Mediation or Security, flows
 * request/response/fault, gateways, API types (names or {apiType, subType}), and attributes with a
 * name, a known type, allowed values for an Enum, a regex that compiles and a default that fits.
 */
import type { PolicySpec } from '../../document';
import type { Rule } from '../../types';

const CATEGORIES = ['Mediation', 'Security'];
const FLOWS = ['request', 'response', 'fault'];
const GATEWAYS = ['Synapse', 'ChoreoConnect', 'APK'];
const API_TYPES = ['HTTP', 'SOAP', 'SOAPTOREST', 'GRAPHQL', 'WS', 'WEBSUB', 'SSE', 'WEBHOOK', 'ASYNC', 'MCP'];
const ATTRIBUTE_TYPES = ['String', 'Integer', 'Boolean', 'Enum', 'Map', 'JSON', 'Secret'];

/** What is wrong with a specification's data, one line each. */
export function specProblems(spec: PolicySpec): string[] {
  const d = spec.data ?? {};
  const out: string[] = [];
  const text = (k: string): boolean => typeof d[k] === 'string' && (d[k] as string).trim() !== '';
  const list = (k: string, allowed: readonly string[], what: string): void => {
    const v = d[k];
    if (!Array.isArray(v) || v.length === 0) {
      out.push(`${k} is missing or empty: list the ${what} (${allowed.join(', ')}).`);
      return;
    }
    for (const x of v)
      if (typeof x !== 'string' || !allowed.includes(x))
        out.push(`${k} holds ${JSON.stringify(x)}, which is not one of ${allowed.join(', ')}.`);
  };
  if (!text('name')) out.push('name is missing: give the policy a name (the template file name).');
  if (!text('displayName'))
    out.push('displayName is missing: the Publisher shows it, and the server compares specifications by it.');
  if (d.category !== undefined && !CATEGORIES.includes(d.category as string))
    out.push(`category ${JSON.stringify(d.category)} is not one of ${CATEGORIES.join(', ')}.`);
  list('applicableFlows', FLOWS, 'flows the policy may be attached to');
  list('supportedGateways', GATEWAYS, 'gateways');
  if (Array.isArray(d.supportedGateways) && !d.supportedGateways.includes('Synapse')) {
    out.push(
      'supportedGateways does not list Synapse, so API Manager never offers this .j2 template for its Synapse gateway.',
    );
  }
  const types = d.supportedApiTypes;
  if (!Array.isArray(types) || types.length === 0)
    out.push(`supportedApiTypes is missing or empty: list the API types (${API_TYPES.join(', ')}).`);
  else {
    for (const t of types) {
      const apiType =
        typeof t === 'string' ? t : t && typeof t === 'object' ? (t as Record<string, unknown>).apiType : undefined;
      if (typeof apiType !== 'string' || !API_TYPES.includes(apiType))
        out.push(
          `supportedApiTypes holds ${JSON.stringify(t)}: an API type is one of ${API_TYPES.join(', ')} (or {"apiType", "subType"}).`,
        );
    }
  }
  if (d.policyAttributes !== undefined && !Array.isArray(d.policyAttributes))
    out.push('policyAttributes is not a list.');
  const seen = new Set<string>();
  for (const [i, raw] of (Array.isArray(d.policyAttributes) ? d.policyAttributes : []).entries()) {
    const a = (raw ?? {}) as Record<string, unknown>;
    const label = typeof a.name === 'string' ? `attribute ${JSON.stringify(a.name)}` : `attribute ${i + 1}`;
    if (typeof a.name !== 'string' || a.name.trim() === '') out.push(`${label} has no name.`);
    else if (seen.has(a.name)) out.push(`${label} is declared twice.`);
    else seen.add(a.name);
    if (typeof a.type !== 'string' || !ATTRIBUTE_TYPES.includes(a.type))
      out.push(`${label} has type ${JSON.stringify(a.type)}, not one of ${ATTRIBUTE_TYPES.join(', ')}.`);
    if (a.required !== undefined && typeof a.required !== 'boolean')
      out.push(`${label}: required must be true or false.`);
    const allowed = a.allowedValues;
    if (allowed !== undefined && (!Array.isArray(allowed) || allowed.some((x) => typeof x !== 'string')))
      out.push(`${label}: allowedValues must be a list of strings.`);
    if (a.type === 'Enum' && (!Array.isArray(allowed) || allowed.length === 0))
      out.push(`${label} is an Enum without allowedValues.`);
    let regex: RegExp | undefined;
    if (typeof a.validationRegex === 'string' && a.validationRegex !== '') {
      try {
        regex = new RegExp(`^(?:${a.validationRegex})$`);
      } catch (e) {
        out.push(`${label}: validationRegex does not compile (${(e as Error).message}).`);
      }
    }
    const def = a.defaultValue;
    if (def !== undefined && def !== null && def !== '') {
      const value = String(def);
      if (Array.isArray(allowed) && allowed.length > 0 && !allowed.includes(value))
        out.push(`${label}: defaultValue ${JSON.stringify(value)} is not among allowedValues.`);
      if (a.type === 'Integer' && !/^-?\d+$/.test(value))
        out.push(`${label}: defaultValue ${JSON.stringify(value)} is not an integer.`);
      if (a.type === 'Boolean' && value !== 'true' && value !== 'false')
        out.push(`${label}: defaultValue ${JSON.stringify(value)} is not true or false.`);
      if (regex && !regex.test(value))
        out.push(`${label}: defaultValue ${JSON.stringify(value)} does not match its validationRegex.`);
    }
  }
  return out;
}

export const rule: Rule = {
  meta: {
    id: 'policy-spec',
    severity: 'warning',
    description:
      'A .j2 policy template has a specification with the same name, and API Manager takes that specification.',
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
    } else {
      for (const problem of specProblems(doc.spec)) {
        report({
          at: { line: 1, column: 1 },
          severity: 'error',
          message: `${doc.spec.file}: ${problem}`,
          hint: 'Fix the specification: API Manager refuses or misreads it otherwise.',
        });
      }
    }
  },
};
