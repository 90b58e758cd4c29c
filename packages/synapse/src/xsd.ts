/**
 * @fileoverview Validation of Synapse XML against the MI 4.4 schema set with xmllint-wasm
 * (libxml2 compiled to WebAssembly). The schema set is read once per directory; files are
 * validated in batches, one xmllint run per root schema, because each run costs a schema compile.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { validateXML, type XMLFileInfo } from 'xmllint-wasm';

export type SchemaRoot = 'sequence' | 'template' | 'endpoint' | 'local_entry' | 'api' | 'proxy' | 'synapse_config';

export interface XsdProblem {
  file: string;
  line: number | null;
  message: string;
}

const cache = new Map<string, XMLFileInfo[]>();

/**
 * The schema files of `dir`, with the one change the schema set's README records for libxml2
 * (the `xs:any` after `include` in `script.xsd` limited to other namespaces) applied where a copy
 * lacks it, so that libxml2 ≥ 2.13 compiles the set.
 */
export function loadSchemaSet(dir: string): XMLFileInfo[] {
  const hit = cache.get(dir);
  if (hit) return hit;
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`XSD directory ${dir} does not exist. Fix: pass the folder that holds synapse_config.xsd.`);
  }
  const files: XMLFileInfo[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.xsd')) {
        let contents = readFileSync(p, 'utf8');
        if (e.name === 'script.xsd') {
          contents = contents.replace(
            /<xs:any processContents="skip"/,
            '<xs:any namespace="##other" processContents="skip"',
          );
        }
        files.push({ fileName: relative(dir, p).split(sep).join('/'), contents });
      }
    }
  };
  walk(dir);
  if (!files.some((f) => f.fileName === 'sequence.xsd')) {
    throw new Error(`${dir} holds no sequence.xsd. Fix: pass the Synapse schema folder (MI 4.4 set).`);
  }
  cache.set(dir, files);
  return files;
}

/** Validates documents against one root schema of the set; returns every problem found. */
export async function validateWithXsd(
  dir: string,
  root: SchemaRoot,
  docs: ReadonlyArray<{ name: string; xml: string }>,
): Promise<XsdProblem[]> {
  if (docs.length === 0) return [];
  const set = loadSchemaSet(dir);
  const schema = set.find((f) => f.fileName === `${root}.xsd`);
  if (!schema) throw new Error(`${dir} holds no ${root}.xsd.`);
  // xmllint-wasm wants plain file names; map them back after the run.
  const names = docs.map((_, i) => `doc${i}.xml`);
  const result = await validateXML({
    xml: docs.map((d, i) => ({ fileName: names[i]!, contents: d.xml })),
    schema,
    preload: set.filter((f) => f !== schema),
    maxMemoryPages: 4096,
  });
  return result.errors.map((e) => {
    const idx = e.loc ? names.indexOf(e.loc.fileName) : -1;
    return {
      file: idx >= 0 ? docs[idx]!.name : (e.loc?.fileName ?? '?'),
      line: e.loc?.lineNumber ?? null,
      message: e.message.trim(),
    };
  });
}
