/**
 * Every generated artefact loads into the real Synapse engine (`../shared/synapse-engine`): each
 * sequence, template and endpoint of every target and variant, and of the committed
 * `mediation-sequences/` tree, is built with Synapse's own factories as Micro Integrator's
 * deployers build them (`check`), and an API Manager fragment as the gateway wraps it in a sequence.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkWithEngine, type EngineLocation } from '..';
import { ENGINE, listTree, MEDIATION_SEQUENCES, VARIANTS } from './helpers';

/** Writes the Synapse artefacts of a generated tree as the engine reads them; `.j2` wrapped and rendered. */
function lay(files: Map<string, string>, dir: string): number {
  let n = 0;
  for (const [path, content] of files) {
    let xml: string | undefined;
    if (path.endsWith('.j2')) {
      const rendered = content.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, a: string) =>
        a === 'sidecarUrl'
          ? 'http://127.0.0.1:8088'
          : a === 'timeoutMs'
            ? '5000'
            : a === 'failOpen'
              ? 'false'
              : 'token',
      );
      xml = `<sequence xmlns="http://ws.apache.org/ns/synapse" name="${path.split('/')[0]}">\n${rendered}</sequence>\n`;
    } else if (path.endsWith('.xml') && !/(^|\/)src\/test\//.test(path)) xml = content;
    if (xml === undefined) continue;
    const p = join(dir, path.replace(/\.j2$/, '.xml'));
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, xml);
    n++;
  }
  return n;
}

const d = 'missing' in ENGINE ? describe.skip : describe;
d(
  `generated artefacts build in the real Synapse engine${'missing' in ENGINE ? ` (skipped: ${ENGINE.missing})` : ''}`,
  () => {
    const engine = ENGINE as EngineLocation;
    let work: string;
    beforeAll(() => {
      work = mkdtempSync(join(tmpdir(), 'sai-check-'));
      writeFileSync(join(work, 'configs.json'), JSON.stringify({ saiSidecarUrl: 'http://127.0.0.1:8088' }));
    });
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it.each([...VARIANTS, ['the committed mediation-sequences/ tree', listTree(MEDIATION_SEQUENCES)] as const])(
      'every sequence, template, endpoint and policy fragment of %s builds without errors',
      async (name, files) => {
        const dir = join(work, String(name).replace(/\W+/g, '-'));
        const laid = lay(files as Map<string, string>, dir);
        // $SYSTEM: endpoints resolve their variable when they are built, as on the server
        const env = Object.fromEntries(
          [...(files as Map<string, string>).values()].flatMap((x) =>
            [...x.matchAll(/\$SYSTEM:(\w+)/g)].map((m) => [m[1]!, 'http://127.0.0.1:8088/v1/policies/x']),
          ),
        );
        const out = await checkWithEngine(engine, [dir], { configPropertiesFile: join(work, 'configs.json'), env });
        expect(out.files.length).toBe(laid);
        expect(out.files.filter((f) => f.ok !== true).map((f) => ({ path: f.path, error: f.error }))).toEqual([]);
        expect(out.ok).toBe(laid);
      },
      120_000,
    );

    it('reports an artefact Synapse refuses, so the check can fail', async () => {
      const dir = join(work, 'bad');
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, 'bad.xml'),
        '<sequence xmlns="http://ws.apache.org/ns/synapse" name="bad"><filter source="$ctx:x"><then/></filter></sequence>',
      );
      const out = await checkWithEngine(engine, [dir]);
      expect(out.failed).toBe(1);
    });
  },
);
