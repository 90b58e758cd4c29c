/**
 * A jest reporter that ends every run with the list of what did not run and why. Tests that need
 * something outside npm (the shared folder beside the clone, Java, redis-server) skip their suite
 * with the reason in the suite's name when it is missing on a developer's machine; in CI a missing
 * prerequisite fails instead (each suite checks CI=true), so this list is empty there.
 */
'use strict';
const { relative } = require('node:path');

class SkipSummary {
  constructor(globalConfig) {
    this.root = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const skipped = new Map();
    for (const file of results.testResults) {
      for (const t of file.testResults) {
        if (t.status !== 'pending' && t.status !== 'skipped' && t.status !== 'todo') continue;
        const suite = t.ancestorTitles[0] ?? t.title;
        const key = `${relative(this.root, file.testFilePath)} › ${suite}`;
        skipped.set(key, (skipped.get(key) ?? 0) + 1);
      }
    }
    const out = process.stderr;
    if (skipped.size === 0) {
      out.write('\nEvery test ran (nothing skipped).\n');
      return;
    }
    const total = [...skipped.values()].reduce((a, b) => a + b, 0);
    out.write(`\nDid not run: ${total} test(s) in ${skipped.size} suite(s)\n`);
    for (const [name, n] of skipped) out.write(`  - ${name} (${n})\n`);
    out.write('See README.md, "The shared folder and other prerequisites", for how to run them.\n');
  }
}

module.exports = SkipSummary;
