/**
 * The generators: schema validity (MI 4.4 XSD through xmllint-wasm), the rules API Manager and
 * apictl impose on policy pairs, golden files, determinism and bad input.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { generate, IDENTITY, unzip, validateWithXsd, zip, type SchemaRoot, type Target } from '..';
import { gen, ECHO, MEDIATION_SEQUENCES, SOURCES, XSD_DIR, XSD_PRESENT } from './helpers';

const VARIANTS: Array<[string, Map<string, string>]> = [
  ['apim (Secret token)', gen('apim')],
  ['apim (vault token)', gen('apim', { apim: { tokenSource: 'vault' } })],
  ['mi (${configs})', gen('mi')],
  ['mi ($SYSTEM)', gen('mi', { mi: { url: 'system' } })],
  ['apim3', gen('apim3', { apim3: { failOpen: true, sidecarUrl: 'https://sidecar.internal:9443' } })],
];

function listTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p).split(sep).join('/'), readFileSync(p, 'utf8'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** Which schema a generated file answers to; `.j2` fragments are checked as the gateway wraps them. */
function schemaDocs(files: Map<string, string>): Map<SchemaRoot, Array<{ name: string; xml: string }>> {
  const by = new Map<SchemaRoot, Array<{ name: string; xml: string }>>();
  const add = (root: SchemaRoot, name: string, xml: string): void => {
    by.set(root, [...(by.get(root) ?? []), { name, xml }]);
  };
  for (const [path, content] of files) {
    if (path.endsWith('.j2')) {
      add('sequence', path, `<sequence xmlns="http://ws.apache.org/ns/synapse" name="policy">\n${content}</sequence>`);
    } else if (/artifacts\/templates\//.test(path)) add('template', path, content);
    else if (/artifacts\/endpoints\//.test(path)) add('endpoint', path, content);
    else if (/artifacts\/sequences\/|-sequence\//.test(path)) add('sequence', path, content);
  }
  return by;
}

(XSD_PRESENT ? describe : describe.skip)(
  `schema validity (../shared/synapse-xsd, MI 4.4)${XSD_PRESENT ? '' : ' — not run: ../shared is not beside this clone (README: "The shared folder and other prerequisites")'}`,
  () => {
    it.each([...VARIANTS, ['the committed mediation-sequences/ tree', listTree(MEDIATION_SEQUENCES)] as const])(
      'every sequence, template, endpoint and policy fragment of %s validates',
      async (_, files) => {
        const docs = schemaDocs(files as Map<string, string>);
        expect([...docs.values()].flat().length).toBeGreaterThan(3);
        const problems = [];
        for (const [root, list] of docs) problems.push(...(await validateWithXsd(XSD_DIR, root, list)));
        expect(problems).toEqual([]);
      },
    );

    it('reports a file that breaks the schema, with its name and line (the check can fail)', async () => {
      const bad = '<sequence xmlns="http://ws.apache.org/ns/synapse" name="x">\n<call blocking="maybe"/>\n</sequence>';
      const problems = await validateWithXsd(XSD_DIR, 'sequence', [{ name: 'bad.xml', xml: bad }]);
      expect(problems).toEqual([expect.objectContaining({ file: 'bad.xml', line: 2 })]);
    });
  },
);

describe('API Manager policy pairs', () => {
  const files = gen('apim');
  const pairs = [...files.keys()].filter((p) => p.endsWith('.yaml'));

  it.each(pairs)('%s: apictl layout, envelope and attributes that match the fragment', (yamlPath) => {
    const base = yamlPath.split('/')[0]!;
    // apictl: the directory name must equal the file basenames.
    expect(yamlPath).toBe(`${base}/${base}.yaml`);
    const j2 = files.get(`${base}/${base}.j2`)!;
    const spec = parseYaml(files.get(yamlPath)!) as {
      type: string;
      data: {
        name: string;
        version: string;
        policyAttributes: Array<{ name: string; type: string; validationRegex: string; defaultValue?: unknown }>;
        applicableFlows: string[];
        supportedGateways: string[];
      };
    };
    expect(spec.type).toBe('operation_policy_specification');
    expect(`${spec.data.name}_${spec.data.version}`).toBe(base);
    expect(spec.data.supportedGateways).toEqual(['Synapse']);
    const declared = new Set(spec.data.policyAttributes.map((a) => a.name));
    const used = new Set([...j2.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!));
    expect([...used].sort()).toEqual([...declared].sort());
    // What apictl and the gateway would refuse or misread.
    expect(j2).not.toMatch(/^\s*<\?xml/);
    expect(j2).not.toMatch(/\$\{\w+\}/);
    expect(j2).not.toMatch(/<send[\s/>]/);
    expect(j2).not.toMatch(/blocking="false"/);
    for (const m of j2.matchAll(/<call\b[^>]*>/g)) expect(m[0]).toContain('blocking="true"');
    // Each attribute's regex rejects values that could break the XML, and accepts its default.
    for (const a of spec.data.policyAttributes) {
      const re = new RegExp(a.validationRegex);
      for (const evil of ['"/><drop/>', "x'y", 'a&b', '<x>']) expect(re.test(evil)).toBe(false);
      if (a.defaultValue !== undefined) expect(re.test(String(a.defaultValue))).toBe(true);
    }
  });

  it('carries each policy version: the APIM version is the major, the header names the full version', () => {
    const j2 = files.get('saiJsonToXml_v2/saiJsonToXml_v2.j2')!;
    expect(j2.split('\n')[0]).toContain('json-to-xml 2.3.1');
    expect(files.get('saiJsonToXml_v2/saiJsonToXml_v2.yaml')).toMatch(
      /^# Generated by synapse-ai from policy json-to-xml 2\.3\.1/,
    );
  });

  it('declares the flows each policy serves, and needs no separate fault handler', () => {
    const flows = (p: string) =>
      (parseYaml(files.get(p)!) as { data: { applicableFlows: string[] } }).data.applicableFlows;
    expect(flows('saiEcho_v1/saiEcho_v1.yaml')).toEqual(['request', 'response', 'fault']);
    expect(flows('saiRedactPii_v1/saiRedactPii_v1.yaml')).toEqual(['request']);
    expect([...files.keys()].some((p) => /Fault/.test(p))).toBe(false);
  });

  it('refuses a Secret attribute for API Manager before 4.6, whose policy-spec schema lacks the type', () => {
    expect(() => gen('apim', { apim: { tokenSource: 'secret', specVersion: '4.5.0' } })).toThrow(
      /does not accept policy attributes of type Secret.*--token-source vault/,
    );
    const types = (files: Map<string, string>) =>
      [...files]
        .filter(([p]) => p.endsWith('.yaml'))
        .flatMap(
          ([, y]) => (parseYaml(y) as { data: { policyAttributes: Array<{ type: string }> } }).data.policyAttributes,
        )
        .map((a) => a.type);
    // 4.1 to 4.5 accept String, Integer, Boolean, Enum and Map only
    for (const t of types(gen('apim', { apim: { tokenSource: 'vault' } })))
      expect(['String', 'Integer', 'Boolean']).toContain(t);
    expect(types(gen('apim'))).toContain('Secret');
  });

  it('with --token-source vault, has no token attribute and reads the vault', () => {
    const vault = gen('apim', { apim: { tokenSource: 'vault' } });
    expect(vault.get('saiEcho_v1/saiEcho_v1.yaml')).not.toContain('sidecarToken');
    expect(vault.get('saiEcho_v1/saiEcho_v1.yaml')).toContain('version: v4.1.0');
    expect(vault.get('saiEcho_v1/saiEcho_v1.j2')).toContain("wso2:vault-lookup('saiSidecarToken')");
  });

  it('zips each policy as apictl and /operation-policies/import take it, byte for byte the same each time', () => {
    const group = generate({ target: 'apim', sources: [ECHO] }).filter((f) => f.path.startsWith('saiEcho_v1/'));
    const a = zip(group);
    expect(zip(group).equals(a)).toBe(true);
    const back = unzip(a);
    expect(back.map((e) => e.path)).toEqual(['saiEcho_v1/saiEcho_v1.j2', 'saiEcho_v1/saiEcho_v1.yaml']);
    expect(Buffer.from(back[0]!.content).toString('utf8')).toBe(group[0]!.content);
  });
});

describe('Micro Integrator project', () => {
  it('keeps the path with the sidecar URL: ${configs.saiSidecarUrl} as a whole value, the path in the endpoint', () => {
    const files = gen('mi');
    expect(files.get('src/main/wso2mi/artifacts/endpoints/sai-echo-endpoint.xml')).toContain(
      'uri-template="{uri.var.saiSidecarUrl}/v1/policies/echo"',
    );
    expect(files.get('src/main/wso2mi/artifacts/templates/sai-echo.xml')).toContain(
      '<property name="uri.var.saiSidecarUrl" expression="${configs.saiSidecarUrl}"/>',
    );
    expect(files.get('src/main/wso2mi/resources/conf/config.properties')).toMatch(/^saiSidecarUrl:string$/m);
  });

  it('gives templates, sequences and endpoints names that never collide (Synapse keeps one artefact per name)', () => {
    const files = gen('mi');
    const names = [...files]
      .filter(([p]) => p.startsWith('src/main/wso2mi/artifacts/'))
      .map(([, xml]) => /<(?:template|sequence|endpoint)\b[^>]*\bname="([^"]+)"/.exec(xml)![1]);
    expect(names.length).toBeGreaterThan(4);
    expect(new Set(names).size).toBe(names.length);
  });

  it('with --mi-url system, each endpoint URL is a whole $SYSTEM: value', () => {
    const files = gen('mi', { mi: { url: 'system' } });
    const ep = files.get('src/main/wso2mi/artifacts/endpoints/sai-json-to-xml-endpoint.xml')!;
    expect(ep).toMatch(/uri-template="\$SYSTEM:SAI_JSON_TO_XML_URL"/);
    expect(files.has('src/main/wso2mi/resources/conf/config.properties')).toBe(false);
  });

  it('writes a unit-test suite per pipeline whose mock is named after the endpoint it replaces', () => {
    const files = gen('mi');
    const suite = files.get('src/test/wso2mi/sai-orders-inTestSuite.xml')!;
    const mock = files.get('src/test/resources/mock-services/sai-orders-in-endpoint-mock.xml')!;
    expect(suite).toContain('<artifact>src/main/wso2mi/artifacts/sequences/sai-orders-in.xml</artifact>');
    expect(suite).toContain('<artifact>src/main/wso2mi/artifacts/endpoints/sai-orders-in-endpoint.xml</artifact>');
    expect(suite).toContain(
      '<mock-service>src/test/resources/mock-services/sai-orders-in-endpoint-mock.xml</mock-service>',
    );
    // the test server needs no ${configs}: the suite gives the base URL, the mock replaces it by endpoint name and path
    expect(suite).toContain('<property name="sai.sidecarUrl" value="http://localhost:9090"/>');
    expect(mock).toContain('<service-name>sai-orders-in-endpoint</service-name>');
    expect(mock).toContain('<context>/v1/policies/orders-in</context>');
    // the mock answers as the sidecar does for gateway callers
    for (const h of ['X-Sai-Status" value="200', 'X-Sai-Body" value="json', 'X-Policy-Decision" value="modified']) {
      expect(mock).toContain(h);
    }
    const payloads = [...mock.matchAll(/<!\[CDATA\[(.*?)\]\]>/g)].map((m) => m[1]);
    expect(suite).toContain(`<expected><![CDATA[${payloads[0]}]]></expected>`);
  });
});

describe('golden files (one policy per target)', () => {
  const GOLDEN = join(__dirname, 'golden');
  it.each<Target>(['apim', 'mi', 'apim3'])('%s output for the echo policy matches the reviewed copy', (target) => {
    const files = generate({ target, sources: [ECHO] });
    for (const f of files) {
      const path = join(GOLDEN, target, ...f.path.split('/'));
      if (process.env.UPDATE_GOLDEN === '1') {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, f.content);
      }
      expect(f.content).toBe(readFileSync(path, 'utf8'));
    }
    expect(listTree(join(GOLDEN, target)).size).toBe(files.length);
  });
});

describe('determinism and bad input', () => {
  it.each<Target>(['apim', 'mi', 'apim3'])('%s: the same sources give the same bytes, in any input order', (target) => {
    const a = generate({ target, sources: SOURCES });
    const b = generate({ target, sources: [...SOURCES].reverse() });
    expect(b).toEqual(a);
  });

  it.each([
    [{ ...ECHO, name: 'Echo_Policy' }, /kebab-case/],
    [{ ...ECHO, version: '1.0' }, /not a semantic version/],
    [{ ...ECHO, flows: ['fault' as const] }, /neither the request nor the response flow/],
  ])('refuses a source it cannot generate, saying which and why (%#)', (source, message) => {
    expect(() => generate({ target: 'apim', sources: [source] })).toThrow(message);
  });

  it('refuses two sources with one name', () => {
    expect(() => generate({ target: 'mi', sources: [ECHO, { ...ECHO, kind: 'pipeline' }] })).toThrow(
      /Two sources are named "echo"/,
    );
  });

  it('refuses an APIM 3.x sidecar URL with a path', () => {
    expect(() => generate({ target: 'apim3', sources: [ECHO], apim3: { sidecarUrl: 'http://x/y' } })).toThrow(
      /base URL/,
    );
  });
});

describe('the import guide (mediation-sequences/README.md)', () => {
  const guide = readFileSync(join(MEDIATION_SEQUENCES, 'README.md'), 'utf8');
  it('names only folders and files that the generator wrote', () => {
    const paths = [...guide.matchAll(/mediation-sequences\/([\w./-]+[\w])/g)].map((m) => m[1]!);
    const folders = [...guide.matchAll(/^\| `([\w.-]+)\/` \|/gm)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(0);
    expect(folders).toEqual(['apim', 'apim-4.1-4.5', 'mi', 'apim3']);
    for (const p of [...paths, ...folders]) expect(existsSync(join(MEDIATION_SEQUENCES, p))).toBe(true);
  });
  it('documents every identity header the artefacts send', () => {
    for (const id of IDENTITY) expect(guide).toContain(`\`${id.header}\``);
  });
});
