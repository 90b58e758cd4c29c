import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const plugin = require('../plugin') as { rules: Record<string, never> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const GRAPH = require('../package-graph') as Record<string, Record<string, string>>;

const ROOT = join(__dirname, '../../..');
const file = (pkg: string, rel = 'src/index.ts'): string => join(ROOT, 'packages', pkg, rel);

RuleTester.describe = describe;
RuleTester.it = it;
const tester = new RuleTester({ languageOptions: { parser: tseslint.parser as never, sourceType: 'module' } });

tester.run('package-boundaries', plugin.rules['package-boundaries'], {
  valid: [
    { code: "import { definePolicy } from '@synapse-ai/sdk';", filename: file('policies') },
    { code: "import type { PolicyContext } from '@synapse-ai/sdk';", filename: file('llm') },
    { code: "import { parseJson } from '@synapse-ai/json-xml';", filename: file('sdk') },
    { code: "import { x } from './local';", filename: file('sdk', 'src/a/b.ts') },
    { code: "import express from 'express';", filename: file('sidecar') },
    { code: "import { main } from '@synapse-ai/cli';", filename: file('cli', 'src/__tests__/x.test.ts') },
  ],
  invalid: [
    {
      code: "import { startSidecar } from '@synapse-ai/sidecar';",
      filename: file('sdk'),
      errors: [{ messageId: 'forbidden' }],
    },
    { code: "export * from '@synapse-ai/cli';", filename: file('sidecar'), errors: [{ messageId: 'forbidden' }] },
    {
      code: "const v = require('@synapse-ai/validator');",
      filename: file('sidecar'),
      errors: [{ messageId: 'forbidden' }],
    },
    {
      code: "const m = import('@synapse-ai/policies');",
      filename: file('json-xml'),
      errors: [{ messageId: 'forbidden' }],
    },
    {
      code: "import { x } from '../../../sdk/src/policy';",
      filename: file('policies', 'src/echo/index.ts'),
      errors: [{ messageId: 'reach' }],
    },
    {
      code: "import { definePolicy } from '@synapse-ai/sdk';",
      filename: file('llm'),
      errors: [{ messageId: 'typeOnly' }],
    },
    {
      code: "import express from 'express';",
      filename: file('policies', 'src/echo/index.ts'),
      errors: [{ messageId: 'restricted' }],
    },
    { code: "import { Router } from 'express';", filename: file('sdk'), errors: [{ messageId: 'restricted' }] },
    { code: "import { x } from '@synapse-ai/sdk';", filename: file('sdk'), errors: [{ messageId: 'self' }] },
  ],
});

tester.run('declared-dependencies', plugin.rules['declared-dependencies'], {
  valid: [
    {
      code: "import Ajv from 'ajv'; import { readFileSync } from 'node:fs'; import path from 'path';",
      filename: file('sdk'),
    },
    { code: "import express from 'express';", filename: file('sidecar') },
    { code: "import request from 'supertest';", filename: file('sidecar', 'src/__tests__/a.test.ts') },
  ],
  invalid: [
    { code: "import request from 'supertest';", filename: file('sidecar'), errors: [{ messageId: 'undeclared' }] },
    { code: "import { parse } from 'yaml';", filename: file('sdk'), errors: [{ messageId: 'undeclared' }] },
  ],
});

describe('package manifests and project references follow the graph', () => {
  const packages = readdirSync(join(ROOT, 'packages'));
  it.each(packages)('%s', (pkg) => {
    expect(GRAPH[pkg]).toBeDefined();
    const manifest = JSON.parse(readFileSync(file(pkg, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    const internal = Object.keys(manifest.dependencies ?? {})
      .filter((d) => d.startsWith('@synapse-ai/'))
      .map((d) => d.slice('@synapse-ai/'.length));
    for (const dep of internal) expect([pkg, dep, GRAPH[pkg]![dep] ?? 'not allowed']).not.toContain('not allowed');
    const tsconfig = JSON.parse(readFileSync(file(pkg, 'tsconfig.json'), 'utf8')) as {
      references?: { path: string }[];
    };
    const refs = (tsconfig.references ?? []).map((r) => r.path.replace('../', '')).sort();
    expect(refs).toEqual([...internal].sort());
  });
});
