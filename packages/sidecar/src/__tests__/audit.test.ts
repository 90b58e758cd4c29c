import { existsSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { MemoryStore } from '@synapse-ai/sdk';
import { builtinPolicies } from '@synapse-ai/policies';
import { buildRegistry, createApp } from '../app';
import { AuditLog, chainFiles, headFileOf, readAuditHead, verifyAuditChain } from '../audit';
import { loadConfig } from '../config';
import { createLogger } from '../logger';

const fresh = (): string => join(mkdtempSync(join(tmpdir(), 'sai-audit-')), 'audit.log');
const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('audit log', () => {
  it('chains records and verifies them', () => {
    const file = fresh();
    const log = new AuditLog({ file });
    for (let i = 0; i < 5; i++) log.append({ policy: 'echo', decision: 'allow', i });
    log.close();
    const records = lines(file).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(records[0]!.prev).toBe('genesis');
    expect(records[1]!.prev).toBe(records[0]!.hash);
    expect(verifyAuditChain([file], { head: readAuditHead(file) })).toEqual({
      ok: true,
      records: 5,
      files: 1,
      head: 'matched',
    });
  });

  it.each([
    [
      'an edited field',
      (ls: string[]) => ((ls[2] = ls[2]!.replace('"decision":"allow"', '"decision":"block"')), ls),
      3,
      /hash does not match/,
    ],
    ['a removed record', (ls: string[]) => (ls.splice(1, 1), ls), 2, /sequence 3 follows 1/],
    ['a truncated line', (ls: string[]) => ((ls[3] = ls[3]!.slice(0, 20)), ls), 4, /not JSON/],
    [
      'a re-hashed forgery',
      (ls: string[]) => {
        const r = JSON.parse(ls[1]!) as Record<string, unknown>;
        r.decision = 'block';
        r.hash = 'f'.repeat(64);
        ls[1] = JSON.stringify(r);
        return ls;
      },
      2,
      /hash does not match/,
    ],
  ])('finds %s at the right line', (_name, tamper, line, reason) => {
    const file = fresh();
    const log = new AuditLog({ file });
    for (let i = 0; i < 5; i++) log.append({ policy: 'echo', decision: 'allow', i });
    log.close();
    writeFileSync(file, `${tamper(lines(file)).join('\n')}\n`);
    const result = verifyAuditChain([file]);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.line).toBe(line);
      expect(result.reason).toMatch(reason);
    }
  });

  it('rotates by size, keeps the chain across files, and continues it after a restart', () => {
    const file = fresh();
    let log = new AuditLog({ file, maxBytes: 2048, batchSize: 5 });
    for (let i = 0; i < 40; i++) log.append({ policy: 'redact-pii', decision: 'modified', note: 'x'.repeat(40), i });
    log.close();
    log = new AuditLog({ file, maxBytes: 2048, batchSize: 5 });
    log.append({ policy: 'echo', decision: 'allow' });
    log.close();
    const files = chainFiles(file);
    expect(files.length).toBeGreaterThan(2);
    expect(readdirSync(join(file, '..')).sort()[0]).toBe('audit.log');
    expect(verifyAuditChain(files, { head: readAuditHead(file) })).toEqual({
      ok: true,
      records: 41,
      files: files.length,
      head: 'matched',
    });
    // a rotated file missing from the chain is a broken link
    expect(verifyAuditChain(files.slice(1)).ok).toBe(false);
  });

  it('records every policy call through the sidecar without bodies', async () => {
    const file = fresh();
    const log = new AuditLog({ file });
    const app = auditedApp(log);
    await request(app)
      .post('/v1/policies/redact-pii')
      .set({
        'Content-Type': 'application/json',
        'X-Tenant-ID': 'acme',
        'X-Consumer-Key': 'app-1',
        'X-Correlation-ID': 'c-1',
      })
      .send('{"email":"ada@example.com"}');
    await request(app).post('/v1/policies/echo').set('Content-Type', 'application/json').send('{broken');
    log.close();
    const records = lines(file).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records[0]).toMatchObject({
      requestId: 'c-1',
      policy: 'redact-pii',
      decision: 'modified',
      status: 200,
      tenant: 'acme',
      application: 'app-1',
      flow: 'request',
    });
    expect(records[1]).toMatchObject({
      policy: 'echo',
      decision: 'block',
      status: 400,
      code: 'SAI_ERR_MALFORMED_JSON',
    });
    expect(readFileSync(file, 'utf8')).not.toMatch(/ada@example\.com|broken/);
    expect(verifyAuditChain([file], { head: readAuditHead(file) }).ok).toBe(true);
  });
});

/**
 * An audit path on a disk that can fill up: `file` is a symlink to a real file; `fill()` points it at
 * /dev/full (every write fails with ENOSPC, from the kernel), `free()` points it back.
 */
function fillableDisk() {
  if (!existsSync('/dev/full')) throw new Error('/dev/full is needed to produce ENOSPC');
  const dir = mkdtempSync(join(tmpdir(), 'sai-audit-full-'));
  const real = join(dir, 'real.log');
  const file = join(dir, 'audit.log');
  writeFileSync(real, '');
  symlinkSync(real, file);
  const point = (target: string): void => {
    unlinkSync(file);
    symlinkSync(target, file);
  };
  return { real, file, fill: () => point('/dev/full'), free: () => point(real) };
}

/** An app over every built-in policy that audits to `log`. */
function auditedApp(log: AuditLog) {
  const config = loadConfig({ env: {} });
  return createApp({
    config,
    registry: buildRegistry(builtinPolicies, config),
    logger: createLogger({ level: 'error' }),
    store: new MemoryStore(undefined, 0),
    audit: log,
  }).app;
}

const five = (file: string, options: Partial<ConstructorParameters<typeof AuditLog>[0]> = {}): AuditLog => {
  const log = new AuditLog({ file, ...options });
  for (let i = 0; i < 5; i++) log.append({ policy: 'echo', decision: 'allow', i });
  return log;
};

describe('audit durability', () => {
  it('detects removal of the newest records, and an emptied file, through the sealed head', () => {
    const file = fresh();
    five(file).close();
    const all = lines(file);
    writeFileSync(file, `${all.slice(0, 3).join('\n')}\n`);
    const cut = verifyAuditChain([file], { head: readAuditHead(file) });
    expect(cut).toMatchObject({ ok: false, seq: 3 });
    if (!cut.ok)
      expect(cut.reason).toMatch(
        /ends at sequence 3, but the head seals sequence 5: the newest 2 records were removed/,
      );
    writeFileSync(file, '');
    expect(verifyAuditChain([file], { head: readAuditHead(file) })).toMatchObject({ ok: false });
    // without its head, a log is not proven complete unless the caller accepts that
    writeFileSync(file, `${all.join('\n')}\n`);
    unlinkSync(headFileOf(file));
    const headless = verifyAuditChain([file], { head: readAuditHead(file) });
    expect(headless.ok).toBe(false);
    if (!headless.ok) expect(headless.reason).toMatch(/head file \(audit\.log\.head\) is missing/);
    expect(verifyAuditChain([file], { allowMissingHead: true })).toMatchObject({ ok: true, head: 'missing' });
  });

  it('seals the head with a key when one is given, so a rewritten head shows', () => {
    const file = fresh();
    five(file, { headKey: 'k'.repeat(32) }).close();
    expect(verifyAuditChain([file], { head: readAuditHead(file), headKey: 'k'.repeat(32) }).ok).toBe(true);
    // someone removes the last two records and rewrites the head to match, without the key
    const kept = lines(file).slice(0, 3);
    writeFileSync(file, `${kept.join('\n')}\n`);
    const last = JSON.parse(kept[2]!) as { seq: number; hash: string };
    writeFileSync(headFileOf(file), JSON.stringify({ seq: last.seq, hash: last.hash }));
    const forged = verifyAuditChain([file], { head: readAuditHead(file), headKey: 'k'.repeat(32) });
    expect(forged.ok).toBe(false);
    if (!forged.ok) expect(forged.reason).toMatch(/valid seal/);
  });

  it('repairs a record cut off mid-write at start, keeping the cut bytes, and the chain goes on', () => {
    const file = fresh();
    five(file).close();
    const whole = readFileSync(file, 'utf8');
    writeFileSync(file, `${whole}{"policy":"echo","decision":"al`); // a crash mid-write
    const log = new AuditLog({ file });
    expect(log.repaired).toMatchObject({ bytes: 31 });
    expect(readFileSync(log.repaired!.savedTo, 'utf8')).toBe('{"policy":"echo","decision":"al');
    log.append({ policy: 'echo', decision: 'allow', after: 'restart' });
    log.close();
    expect(verifyAuditChain([file], { head: readAuditHead(file) })).toMatchObject({ ok: true, records: 6 });
  });

  it('names the fix when the last whole record is damaged, instead of a wrong hint', () => {
    const file = fresh();
    five(file).close();
    writeFileSync(file, `${lines(file).slice(0, 4).join('\n')}\nnot json\n`);
    expect(() => new AuditLog({ file })).toThrow(/last record of .* is not JSON.*audit verify/);
  });

  it('survives a full disk: nothing thrown, records kept in memory, written in order when space returns', () => {
    const { real, file, fill, free } = fillableDisk();
    const events: string[] = [];
    const log = new AuditLog({ file, onEvent: (e) => events.push(`${e.kind}:${e.code ?? ''}`) });
    log.append({ n: 1 });
    log.flush();
    fill(); // every write of the file now fails with ENOSPC
    log.append({ n: 2 });
    expect(() => log.flush()).not.toThrow();
    log.append({ n: 3 });
    log.flush();
    expect(log.state).toBe('failing');
    expect(log.failure).toBe('ENOSPC');
    expect(log.accepting).toBe(false); // fail-closed is the default
    expect(log.buffered).toBe(2);
    expect(events).toEqual(['write-failed:ENOSPC']);
    free();
    log.append({ n: 4 });
    log.flush();
    expect(log.state).toBe('ok');
    expect(events).toEqual(['write-failed:ENOSPC', 'recovered:']);
    log.close();
    expect(lines(real).map((l) => (JSON.parse(l) as { n: number }).n)).toEqual([1, 2, 3, 4]);
    expect(verifyAuditChain([real], { head: readAuditHead(file) })).toMatchObject({ ok: true, records: 4 });
  });

  it('degrades by configuration, and tells of records it had to drop with a gap record', () => {
    const { real, file, fill, free } = fillableDisk();
    const log = new AuditLog({ file, onError: 'degrade', maxBuffered: 3 });
    fill();
    for (let n = 1; n <= 5; n++) log.append({ n });
    log.flush();
    expect(log.accepting).toBe(true);
    expect(log.droppedTotal).toBe(2);
    free();
    log.flush();
    log.close();
    const records = lines(real).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => r.n ?? r.event)).toEqual([1, 2, 3, 'audit.gap']);
    expect(records[3]).toMatchObject({ dropped: 2 });
    expect(verifyAuditChain([real], { head: readAuditHead(file) }).ok).toBe(true);
  });

  it('refuses audited requests with 503 while the log fails closed, and /readyz says why', async () => {
    const { real, file, fill, free } = fillableDisk();
    const log = new AuditLog({ file });
    const app = auditedApp(log);
    fill();
    await request(app).post('/v1/policies/echo').set('Content-Type', 'application/json').send('{}');
    log.flush();
    const refused = await request(app).post('/v1/policies/echo').set('Content-Type', 'application/json').send('{}');
    expect(refused.status).toBe(503);
    expect(refused.body.detail).toMatch(/audit log cannot be written/);
    const ready = await request(app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ audit: 'failing (ENOSPC)' });
    free();
    log.flush();
    expect(
      (await request(app).post('/v1/policies/echo').set('Content-Type', 'application/json').send('{}')).status,
    ).toBe(200);
    log.close();
    expect(verifyAuditChain([real], { head: readAuditHead(file) }).ok).toBe(true);
  });

  it('writes a record that arrives after close at once, instead of crashing', () => {
    const file = fresh();
    const log = five(file);
    log.close();
    expect(() => log.append({ policy: 'late', decision: 'allow' })).not.toThrow();
    expect(verifyAuditChain([file], { head: readAuditHead(file) })).toMatchObject({ ok: true, records: 6 });
  });
});
