#!/usr/bin/env node
'use strict';
// Thin launcher: the command is compiled to dist/ by `npm install` (prepare) or `npm run build`.
let main;
try {
  ({ main } = require('../dist/bin.js'));
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('dist/bin.js')) {
    process.stderr.write('synapse-ai is not built yet. Run `npm run build` in the repository root.\n');
    process.exit(2);
  }
  throw err;
}
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`synapse-ai: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 2;
  },
);
