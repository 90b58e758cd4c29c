/**
 * The stored engine verdicts on real WSO2 files are the engine's: `synapse-engine.jar check` builds
 * every file of packages/validator/corpus/mi-integration again and must say exactly what
 * engine-verdicts.json says. SAI_VERDICTS_WRITE=1 rewrites the file (`npm run verdicts:validator`).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attributesOf } from '../../packages/validator/src/catalogue';
import { parseDocument } from '../../packages/validator/src/document';
import { ENGINE_LENIENT } from '../../packages/validator/src/rules/attribute-value';
import { visits } from '../../packages/validator/src/schemaWalk';
import { checkWithEngine, findEngine } from '@synapse-ai/synapse';
import {
  MI_CORPUS,
  MI_VERDICTS,
  readVerdicts,
  toEntries,
  type VerdictEntry,
} from '../../packages/validator/src/__tests__/engine/verdicts';

const engine = findEngine(join(__dirname, '../../../shared'));
const missing = 'missing' in engine ? engine.missing : null;
if (missing && process.env.CI) throw new Error(`the WSO2 engine is required in CI: ${missing}`);

(missing ? describe.skip : describe)(
  `engine verdicts on real WSO2 files${missing ? ` — not run: ${missing}` : ''}`,
  () => {
    it('are what the engine says today', async () => {
      if ('missing' in engine) throw new Error(engine.missing);
      const out = await checkWithEngine(engine, [MI_CORPUS], { timeoutMs: 240_000 });
      const fresh = toEntries(MI_CORPUS, out.files);
      expect(fresh.length).toBeGreaterThan(1500);
      if (process.env.SAI_VERDICTS_WRITE === '1') {
        writeFileSync(MI_VERDICTS, `${JSON.stringify(fresh, null, 1)}\n`);
        return;
      }
      // a failure that depends on the deployment may read differently on another network (a WSDL URL
      // that is refused or does not resolve): its verdict must hold, its text need not
      const comparable = (entries: VerdictEntry[]): VerdictEntry[] =>
        entries.map((e) => (e.verdict === 'depends-on-deployment' ? { ...e, error: null } : e));
      expect(comparable(fresh)).toEqual(comparable(readVerdicts(MI_VERDICTS)));
    }, 300_000);

    it('decides which enumerated attributes take any value: exactly those attribute-value only warns about', async () => {
      if ('missing' in engine) throw new Error(engine.missing);
      // one WSO2 file that builds per element@attribute with a fixed set of values, that value replaced
      const dir = mkdtempSync(join(tmpdir(), 'sai-enum-'));
      const studied = new Set<string>();
      try {
        for (const e of readVerdicts(MI_VERDICTS)) {
          if (e.verdict !== 'builds') continue;
          const file = join(MI_CORPUS, e.file);
          const text = readFileSync(file, 'utf8');
          for (const v of visits(parseDocument(file, text))) {
            if (!('spec' in v)) continue;
            const specs = attributesOf(v.spec);
            for (const a of v.el.attributes) {
              const key = `${v.el.local}@${a.name}`;
              if (!specs[a.name]?.values || studied.has(key) || /^[{$]/.test(a.value)) continue;
              const lines = text.split('\n');
              const line = lines[a.line - 1]!;
              const at = a.column - 1;
              const m = new RegExp(`^${a.name}\\s*=\\s*(["'])(.*?)\\1`).exec(line.slice(at));
              if (!m) continue;
              const start = at + m[0].indexOf(m[1]!) + 1;
              lines[a.line - 1] = `${line.slice(0, start)}zzbogus${line.slice(start + m[2]!.length)}`;
              writeFileSync(join(dir, `${key.replace('@', '__')}.xml`), lines.join('\n'));
              studied.add(key);
            }
          }
        }
        expect(studied.size).toBeGreaterThan(40);
        const out = await checkWithEngine(engine, [dir], { timeoutMs: 120_000 });
        const accepted = out.files
          .filter((f) => f.ok === true)
          .map((f) =>
            f.path
              .split('/')
              .pop()!
              .replace(/\.xml$/, '')
              .replace('__', '@'),
          )
          .sort();
        const lenientStudied = [...ENGINE_LENIENT].filter((k) => studied.has(k)).sort();
        expect(accepted).toEqual(lenientStudied);
        expect(lenientStudied.length).toBe(ENGINE_LENIENT.size);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 200_000);
  },
);
