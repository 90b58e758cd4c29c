import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { builtinPolicies } from '..';

const root = join(__dirname, '..');
const folders = readdirSync(root).filter((f) => !f.startsWith('__') && statSync(join(root, f)).isDirectory());

describe('built-in policy registry', () => {
  it('exports every policy folder, and nothing else', () => {
    expect(builtinPolicies.map((p) => p.meta.name).sort()).toEqual([...folders].sort());
  });

  it.each(folders)('%s has index.ts, a README that documents it, fixtures and tests', (folder) => {
    for (const part of ['index.ts', 'README.md', 'fixtures/valid', 'fixtures/invalid', '__tests__']) {
      expect(existsSync(join(root, folder, part))).toBe(true);
    }
    expect(readFileSync(join(root, folder, 'README.md'), 'utf8')).toMatch(new RegExp(`^# ${folder}\\n`));
    expect(readdirSync(join(root, folder, '__tests__')).some((f) => f.endsWith('.test.ts'))).toBe(true);
  });

  it('never imports express or the sidecar', () => {
    for (const folder of folders) {
      const src = readFileSync(join(root, folder, 'index.ts'), 'utf8');
      expect(src).not.toMatch(/from '(express|@synapse-ai\/(sidecar|cli))'/);
    }
  });
});
