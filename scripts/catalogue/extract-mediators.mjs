/**
 * Derives the validator's mediator catalogue from the MI 4.4 Synapse schema set
 * (`../shared/synapse-xsd`): for each element, its attributes (required ones, allowed values) and
 * which children it may hold. Writes `packages/validator/src/catalogue/schema.generated.ts`.
 *
 *   node scripts/catalogue/extract-mediators.mjs [XSD_DIR] [--check]
 *
 * With --check it exits 1 when the committed file differs from a fresh extraction (the test suite
 * runs that check, so the catalogue and the schema cannot drift apart).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SYNAPSE_NS = 'http://ws.apache.org/ns/synapse';
const OUT = join(ROOT, 'packages/validator/src/catalogue/schema.generated.ts');

const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '' });
const tag = (n) => Object.keys(n).find((k) => k !== ':@');
const at = (n) => n[':@'] ?? {};
const kids = (n) => (n[tag(n)] ?? []).filter((k) => tag(k) !== '#text' && tag(k) !== '#comment');

export function extract(xsdDir) {
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.xsd')) files.push(p);
    }
  };
  walk(xsdDir);
  const elements = new Map();
  const complexTypes = new Map();
  const simpleTypes = new Map();
  const groups = new Map();
  const attributeGroups = new Map();
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    // foreign schemas (WS-Policy, WSDL, XML-DSig) are not ours and some carry DTDs
    if (!/targetNamespace="http:\/\/ws\.apache\.org\/ns\/synapse"/.test(text)) continue;
    const doc = parser.parse(text);
    const schema = doc.find((n) => tag(n) === 'xs:schema');
    if (!schema || at(schema).targetNamespace !== SYNAPSE_NS) continue;
    for (const n of kids(schema)) {
      const name = at(n).name;
      const t = tag(n);
      if (t === 'xs:element' && name) elements.set(name, n);
      else if (t === 'xs:complexType' && name) complexTypes.set(name, n);
      else if (t === 'xs:simpleType' && name) simpleTypes.set(name, n);
      else if (t === 'xs:group' && name) groups.set(name, n);
      else if (t === 'xs:attributeGroup' && name) attributeGroups.set(name, n);
    }
  }

  function enumValues(typeName, inline) {
    const st =
      inline ?? (typeName && !typeName.startsWith('xs:') ? simpleTypes.get(typeName.replace(/^syn:/, '')) : undefined);
    if (typeName === 'xs:boolean') return ['true', 'false'];
    if (!st) return undefined;
    const out = [];
    let open = false;
    const visit = (n) => {
      for (const k of kids(n)) {
        const t = tag(k);
        if (t === 'xs:enumeration') out.push(String(at(k).value));
        else if (t === 'xs:union') {
          for (const m of String(at(k).memberTypes ?? '')
            .split(/\s+/)
            .filter(Boolean)) {
            const vals = enumValues(m);
            if (vals) out.push(...vals);
            else open = true;
          }
          visit(k);
        } else if (t === 'xs:restriction') {
          const base = at(k).base;
          if (base && !base.startsWith('xs:')) out.push(...(enumValues(base) ?? []));
          visit(k);
        } else if (t === 'xs:simpleType') visit(k);
        else if (t === 'xs:list' || t === 'xs:pattern') open = true;
      }
    };
    visit(st);
    return out.length > 0 && !open ? [...new Set(out)] : undefined;
  }

  // spec: { attributes: {name: {required?, values?}}, anyAttribute?, children: {name: spec|{$ref}|{$type}}, mediators?, any?, text? }
  function emptySpec() {
    return { attributes: {}, children: {} };
  }

  function addAttribute(spec, n) {
    const a = at(n);
    if (a.ref) {
      // xml:lang and friends
      spec.attributes[a.ref.replace(/^\w+:/, '')] = {};
      return;
    }
    const inline = kids(n).find((k) => tag(k) === 'xs:simpleType');
    const values = enumValues(a.type, inline);
    const entry = {};
    if (a.use === 'required') entry.required = true;
    if (values) entry.values = values;
    spec.attributes[a.name] = entry;
  }

  function addParticles(spec, n, seenGroups) {
    for (const k of kids(n)) {
      const t = tag(k);
      const a = at(k);
      if (t === 'xs:element') {
        if (a.ref) {
          const ref = a.ref.replace(/^syn:/, '');
          if (ref.includes(':')) spec.any = true;
          else spec.children[ref] = { $ref: ref };
        } else spec.children[a.name] = elementSpec(k);
      } else if (t === 'xs:group') {
        const ref = (a.ref ?? '').replace(/^syn:/, '');
        if (ref === 'mediatorList') spec.mediators = true;
        else if (groups.has(ref)) {
          groupSpec(ref);
          spec.groups = [...new Set([...(spec.groups ?? []), ref])];
        }
      } else if (t === 'xs:sequence' || t === 'xs:choice' || t === 'xs:all') addParticles(spec, k, seenGroups);
      else if (t === 'xs:any') spec.any = true;
      else if (t === 'xs:attribute') addAttribute(spec, k);
      else if (t === 'xs:attributeGroup') addAttributeGroup(spec, a.ref);
      else if (t === 'xs:anyAttribute') spec.anyAttribute = true;
    }
  }

  const groupSpecs = {};
  function groupSpec(name) {
    if (groupSpecs[name]) return;
    groupSpecs[name] = emptySpec(); // placeholder first: groups may nest themselves
    addParticles(groupSpecs[name], groups.get(name), new Set());
  }

  function addAttributeGroup(spec, ref) {
    const g = attributeGroups.get((ref ?? '').replace(/^syn:/, ''));
    if (!g) return;
    for (const k of kids(g)) {
      if (tag(k) === 'xs:attribute') addAttribute(spec, k);
      else if (tag(k) === 'xs:attributeGroup') addAttributeGroup(spec, at(k).ref);
      else if (tag(k) === 'xs:anyAttribute') spec.anyAttribute = true;
    }
  }

  function complexSpec(ct, spec, seenTypes) {
    if (at(ct).mixed === 'true') spec.text = true;
    for (const k of kids(ct)) {
      const t = tag(k);
      if (t === 'xs:complexContent' || t === 'xs:simpleContent') {
        if (t === 'xs:simpleContent') spec.text = true;
        if (at(k).mixed === 'true') spec.text = true;
        for (const d of kids(k)) {
          const base = (at(d).base ?? '').replace(/^syn:/, '');
          if (tag(d) === 'xs:extension' && complexTypes.has(base) && !seenTypes.has(base)) {
            complexSpec(complexTypes.get(base), spec, new Set([...seenTypes, base]));
          }
          if (tag(d) === 'xs:extension' && base.startsWith('xs:')) spec.text = true;
          addParticles(spec, d, new Set());
        }
      } else addParticles(spec, { wrap: [k] }, new Set());
    }
    return spec;
  }

  function elementSpec(n) {
    const a = at(n);
    const inlineCt = kids(n).find((k) => tag(k) === 'xs:complexType');
    if (inlineCt) return complexSpec(inlineCt, emptySpec(), new Set());
    const type = (a.type ?? '').replace(/^syn:/, '');
    if (complexTypes.has(type)) return { $type: type };
    const inlineSt = kids(n).find((k) => tag(k) === 'xs:simpleType');
    const values = enumValues(a.type, inlineSt);
    return { attributes: {}, children: {}, text: true, ...(values ? { values } : {}) };
  }

  const types = {};
  for (const [name, ct] of [...complexTypes].sort(([x], [y]) => (x < y ? -1 : 1))) {
    types[name] = complexSpec(ct, emptySpec(), new Set([name]));
  }
  const els = {};
  for (const [name, n] of [...elements].sort(([x], [y]) => (x < y ? -1 : 1))) els[name] = elementSpec(n);

  // the mediators a sequence may hold: the mediatorList group, flattened
  const mediators = emptySpec();
  addParticles(mediators, groups.get('mediatorList'), new Set());
  // groups inside mediatorList (the AI mediators, connectors) are mediators too
  const flat = { ...mediators.children };
  const seen = new Set();
  const addGroups = (spec) => {
    for (const g of spec.groups ?? []) {
      if (seen.has(g)) continue;
      seen.add(g);
      Object.assign(flat, groupSpecs[g].children);
      addGroups(groupSpecs[g]);
    }
  };
  addGroups(mediators);
  mediators.children = flat;
  const mediatorNames = Object.keys(flat).sort();
  // inline definitions in mediatorList (description, in, out, sequence) become elements too
  for (const [name, spec] of Object.entries(mediators.children)) if (!spec.$ref) els[`mediator:${name}`] = spec;
  const sortedGroups = Object.fromEntries(Object.entries(groupSpecs).sort(([x], [y]) => (x < y ? -1 : 1)));
  return { elements: els, types, groups: sortedGroups, mediatorNames };
}

function render(cat) {
  const json = (v) => JSON.stringify(v, null, 2);
  return `/**
 * @fileoverview Generated by scripts/catalogue/extract-mediators.mjs from the MI 4.4 Synapse schema
 * set (../shared/synapse-xsd). Do not edit: rerun the script. Relaxations the engine needs live
 * in ./index.ts.
 */
import type { ElementSpec } from './types';

/** Every mediator a sequence may hold (the schema's mediatorList group). */
export const MEDIATOR_NAMES: readonly string[] = ${json(cat.mediatorNames)};

/** Top-level elements (\`mediator:NAME\` for mediators defined inline in mediatorList). */
export const ELEMENTS: Record<string, ElementSpec> = ${json(cat.elements)};

/** Named complex types. */
export const TYPES: Record<string, ElementSpec> = ${json(cat.types)};

/** Named groups of child elements (other than mediatorList). */
export const GROUPS: Record<string, ElementSpec> = ${json(cat.groups)};
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--')) ?? join(ROOT, '../shared/synapse-xsd');
  const text = render(extract(dir));
  if (args.includes('--check')) {
    const current = readFileSync(OUT, 'utf8');
    if (current !== text) {
      console.error(
        `${relative(ROOT, OUT)} differs from the schema in ${dir}: run node scripts/catalogue/extract-mediators.mjs`,
      );
      process.exit(1);
    }
  } else {
    writeFileSync(OUT, text);
    console.log(`wrote ${relative(ROOT, OUT)}`);
  }
}

export { render };
