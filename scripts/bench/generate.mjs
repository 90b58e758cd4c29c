/**
 * `npm run bench:generate`: how long `synapse-ai generate --target all` takes for every built-in
 * policy and the example pipelines, as a cold command (what a developer or CI waits for) and warm in
 * process, beside a bare `node` start measured in the same run. Target: under 2 s for the command.
 * Bounded: RUNS (default 5) runs of each.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fmt, median, ROOT } from './lib.mjs';

const require = createRequire(import.meta.url);
const RUNS = Math.min(Number(process.env.RUNS ?? 5), 20);
const CLI = join(ROOT, 'packages/cli/bin/synapse-ai.js');
const CONFIG = join(ROOT, 'examples/sidecar-config/sidecar.yaml');

function timeProcess(args) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    execFileSync(process.execPath, args, { stdio: 'ignore', cwd: ROOT });
    times.push(performance.now() - t);
  }
  return median(times);
}

const out = mkdtempSync(join(tmpdir(), 'sai-bench-generate-'));
try {
  const bare = timeProcess(['-e', '']);
  const cold = timeProcess([CLI, 'generate', '--target', 'all', '--config', CONFIG, '--out', out]);

  const { builtinPolicies } = require(join(ROOT, 'packages/policies/dist/index.js'));
  const { generate, fromPolicy, fromPipeline, TARGETS } = require(join(ROOT, 'packages/synapse/dist/index.js'));
  const by = new Map(builtinPolicies.map((p) => [p.meta.name, p.describe()]));
  const sources = [
    ...builtinPolicies.map((p) => fromPolicy(p.describe())),
    fromPipeline('orders-in', [by.get('add-context'), by.get('echo')]),
  ];
  let files = 0;
  const warmTimes = [];
  for (let i = 0; i < RUNS * 4; i++) {
    const t = performance.now();
    files = 0;
    for (const target of TARGETS) files += generate({ target, sources }).length;
    warmTimes.push(performance.now() - t);
  }
  const warm = median(warmTimes);

  console.log(`generate --target all (${sources.length} sources, ${files} files), median of ${RUNS} runs`);
  console.log(`  bare node start            ${fmt(bare, 0)} ms`);
  console.log(
    `  synapse-ai generate (cold) ${fmt(cold, 0)} ms   ratio to bare node ${fmt(cold / bare, 1)}×   target < 2000 ms: ${cold < 2000 ? 'met' : 'MISSED'}`,
  );
  console.log(`  generate() in process      ${fmt(warm, 1)} ms for all three targets`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
