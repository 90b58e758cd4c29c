/**
 * @fileoverview The Synapse properties that steer the JSON⇄XML mapping, by the names admins write in
 * `synapse.properties` and their Micro Integrator `deployment.toml` `[mediation]` aliases, with the
 * defaults WSO2's code uses.
 */
import { JsonXmlError } from './errors';

export interface PropertyInfo {
  /** The name in synapse.properties. */
  name: string;
  kind: 'boolean' | 'string' | 'regex';
  default: boolean | string | null;
  /** The MI `deployment.toml` `[mediation]` key, where one exists. */
  alias?: string;
  description: string;
}

export const PROPERTIES = [
  {
    name: 'synapse.commons.json.preserve.namespace',
    kind: 'boolean',
    default: false,
    alias: 'synapse.preserve_namespace_on_xml_to_json',
    description: 'XML→JSON: keep namespace prefixes (joined with namespaceSepChar)',
  },
  {
    name: 'synapse.commons.json.buildValidNCNames',
    kind: 'boolean',
    default: false,
    alias: 'synapse.build_valid_nc_name',
    description: 'both directions: encode JSON keys that are not XML names as _JsonReader_<code>_ and decode them back',
  },
  {
    name: 'synapse.commons.json.output.autoPrimitive',
    kind: 'boolean',
    default: true,
    alias: 'synapse.enable_auto_primitive',
    description: 'XML→JSON: numeric text becomes a number, true/false a boolean, null null',
  },
  {
    name: 'synapse.commons.json.output.namespaceSepChar',
    kind: 'string',
    default: '_',
    description: 'XML→JSON: separator between prefix and local name when namespaces are preserved',
  },
  {
    name: 'synapse.commons.json.output.enableNSDeclarations',
    kind: 'boolean',
    default: false,
    alias: 'synapse.enable_namespace_declaration',
    description: 'XML→JSON: write namespace declarations as @xmlns members (needs preserve.namespace)',
  },
  {
    name: 'synapse.commons.json.output.disableAutoPrimitive.regex',
    kind: 'regex',
    default: null,
    alias: 'synapse.disable_auto_primitive_regex',
    description: 'XML→JSON: values matching this regex (whole value) stay strings',
  },
  {
    name: 'synapse.commons.json.json.output.disableAutoPrimitive.customReplaceRegex',
    kind: 'regex',
    default: null,
    alias: 'synapse.disable_custom_replace_regex',
    description: 'XML→JSON: a value starting with a match becomes a string with the match replaced',
  },
  {
    name: 'synapse.commons.json.json.output.disableAutoPrimitive.customReplaceSequence',
    kind: 'string',
    default: '',
    description: 'XML→JSON: what replaces the customReplaceRegex match',
  },
  {
    name: 'synapse.commons.json.output.jsonoutAutoArray',
    kind: 'boolean',
    default: true,
    alias: 'synapse.json_out_auto_array',
    description: 'XML→JSON: adjacent repeated elements become an array (false: duplicate keys)',
  },
  {
    name: 'synapse.commons.json.output.jsonoutMultiplePI',
    kind: 'boolean',
    default: true,
    description: 'XML→JSON: honour <?xml-multiple?> processing instructions',
  },
  {
    name: 'synapse.commons.json.output.xmloutMultiplePI',
    kind: 'boolean',
    default: false,
    description: 'JSON→XML: emit <?xml-multiple?> processing instructions',
  },
  {
    name: 'synapse.commons.json.output.xmloutAutoArray',
    kind: 'boolean',
    default: true,
    description: 'read by WSO2 but unused by its JSON reader (accepted, no effect)',
  },
  {
    name: 'synapse.json.to.xml.processing.instruction.enabled',
    kind: 'boolean',
    default: false,
    description: 'JSON→XML through the reader that emits <?xml-multiple?> processing instructions',
  },
  {
    name: 'synapse.commons.enableXmlNilReadWrite',
    kind: 'boolean',
    default: false,
    alias: 'synapse.enable_xml_nil',
    description: 'both directions: JSON null ⇄ nil="true"',
  },
  {
    name: 'synapse.commons.enableXmlNullForEmptyElement',
    kind: 'boolean',
    default: true,
    description: 'XML→JSON: an empty element becomes null (false: "")',
  },
  {
    name: 'synapse.commons.json.output.emptyXmlElemToEmptyStr',
    kind: 'boolean',
    default: false,
    description: 'declared by WSO2 but never read (accepted, no effect)',
  },
  {
    name: 'PRESERVE_SPACES',
    kind: 'boolean',
    default: false,
    description: 'message-context property: keep a whitespace-only text that is the only child of its element',
  },
] as const satisfies readonly PropertyInfo[];

export interface Settings {
  preserveNamespace: boolean;
  buildValidNCNames: boolean;
  autoPrimitive: boolean;
  namespaceSepChar: string;
  enableNSDeclarations: boolean;
  disableAutoPrimitive: RegExp | null;
  customReplace: RegExp | null;
  customReplaceSequence: string;
  autoArray: boolean;
  multiplePI: boolean;
  /** JSON→XML emits `<?xml-multiple?>` (either of the two properties that select that reader). */
  xmlOutPI: boolean;
  nil: boolean;
  nullForEmpty: boolean;
  preserveSpaces: boolean;
}

const byName = new Map<string, PropertyInfo>();
for (const p of PROPERTIES as readonly PropertyInfo[]) {
  byName.set(p.name, p);
  if (p.alias) byName.set(p.alias, p);
}

/** Property names an admin can write (canonical names and MI aliases). */
export const PROPERTY_NAMES: readonly string[] = [...byName.keys()];

const looksLikeOurs =
  /^(synapse\.(commons\.json|json|commons\.enableXml|preserve_namespace|build_valid|enable_auto|enable_namespace|disable_auto|disable_custom|json_out|enable_xml))/;

function closest(name: string): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of byName.keys()) {
    const score = distance(name.toLowerCase(), candidate.toLowerCase());
    if (score < bestScore) {
      bestScore = score;
      best = candidate;
    }
  }
  return bestScore <= Math.max(3, name.length / 4) ? best : undefined;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

function compileRegex(name: string, source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (err) {
    throw new JsonXmlError(
      'JSONXML_BAD_PROPERTY',
      `${name}: ${JSON.stringify(source)} is not a valid regular expression (${(err as Error).message}).`,
    );
  }
}

const cache = new Map<string, Settings>();

/**
 * Turns `synapse.properties`-style settings into the converter's settings. Unrelated Synapse
 * properties are ignored (a whole synapse.properties file can be passed); a mistyped JSON property or
 * a value that is not `true`/`false` is an error that names it.
 * @throws {JsonXmlError} JSONXML_BAD_PROPERTY
 */
export function resolveSettings(props: Readonly<Record<string, string | boolean>> | undefined): Settings {
  const key = props === undefined ? '' : JSON.stringify(Object.entries(props).sort(([a], [b]) => (a < b ? -1 : 1)));
  const hit = cache.get(key);
  if (hit) return hit;
  const values = new Map<string, boolean | string | null>();
  for (const p of PROPERTIES as readonly PropertyInfo[]) values.set(p.name, p.default);
  for (const [name, raw] of Object.entries(props ?? {})) {
    const info = byName.get(name);
    if (!info) {
      if (looksLikeOurs.test(name)) {
        const guess = closest(name);
        throw new JsonXmlError(
          'JSONXML_BAD_PROPERTY',
          `Unknown JSON/XML property ${JSON.stringify(name)}.${guess ? ` Did you mean ${JSON.stringify(guess)}?` : ''} Known properties: ${PROPERTIES.map((p) => p.name).join(', ')}.`,
        );
      }
      continue;
    }
    if (info.kind === 'boolean') {
      const text = String(raw).trim().toLowerCase();
      if (text !== 'true' && text !== 'false') {
        throw new JsonXmlError('JSONXML_BAD_PROPERTY', `${name} must be true or false (got ${JSON.stringify(raw)}).`);
      }
      values.set(info.name, text === 'true');
    } else {
      values.set(info.name, String(raw));
    }
  }
  const get = (name: string): boolean | string | null => values.get(name) ?? null;
  const regex = (name: string): RegExp | null => {
    const v = get(name);
    return typeof v === 'string' && v !== '' ? compileRegex(name, v) : null;
  };
  const sep = String(get('synapse.commons.json.output.namespaceSepChar') ?? '_');
  const settings: Settings = Object.freeze({
    preserveNamespace: get('synapse.commons.json.preserve.namespace') === true,
    buildValidNCNames: get('synapse.commons.json.buildValidNCNames') === true,
    autoPrimitive: get('synapse.commons.json.output.autoPrimitive') === true,
    namespaceSepChar: sep === '' ? '_' : sep,
    enableNSDeclarations: get('synapse.commons.json.output.enableNSDeclarations') === true,
    disableAutoPrimitive: regex('synapse.commons.json.output.disableAutoPrimitive.regex'),
    customReplace: regex('synapse.commons.json.json.output.disableAutoPrimitive.customReplaceRegex'),
    customReplaceSequence: String(
      get('synapse.commons.json.json.output.disableAutoPrimitive.customReplaceSequence') ?? '',
    ),
    autoArray: get('synapse.commons.json.output.jsonoutAutoArray') === true,
    multiplePI: get('synapse.commons.json.output.jsonoutMultiplePI') === true,
    xmlOutPI:
      get('synapse.json.to.xml.processing.instruction.enabled') === true ||
      get('synapse.commons.json.output.xmloutMultiplePI') === true,
    nil: get('synapse.commons.enableXmlNilReadWrite') === true,
    nullForEmpty: get('synapse.commons.enableXmlNullForEmptyElement') === true,
    preserveSpaces: get('PRESERVE_SPACES') === true,
  });
  if (cache.size > 256) cache.clear();
  cache.set(key, settings);
  return settings;
}
