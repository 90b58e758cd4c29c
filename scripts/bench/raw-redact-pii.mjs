/**
 * A baseline for the sidecar's redact-pii route: a bare node:http server that redacts with the npm
 * package redact-pii (SyncRedactor) — every string of a JSON body (parsed, walked, serialized), or an
 * XML or text body as one string. What a team would write without the sidecar.
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { SyncRedactor } = require('redact-pii');
const redactor = new SyncRedactor();

const walk = (v) => {
  if (typeof v === 'string') return redactor.redact(v);
  if (Array.isArray(v)) return v.map(walk);
  if (v !== null && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = walk(x);
    return out;
  }
  return v;
};

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    const json = /json/.test(req.headers['content-type'] ?? '');
    const out = Buffer.from(json ? JSON.stringify(walk(JSON.parse(text))) : redactor.redact(text));
    res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'text/plain', 'content-length': out.length });
    res.end(out);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`raw redact-pii listening on http://127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
