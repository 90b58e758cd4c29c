import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { MemoryStore } from '@synapse-ai/sdk';
import { builtinPolicies } from '@synapse-ai/policies';
import { buildRegistry, createApp } from '../app';
import { AuditLog, chainFiles, verifyAuditChain } from '../audit';
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
    expect(verifyAuditChain([file])).toEqual({ ok: true, records: 5, files: 1 });
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
    expect(verifyAuditChain(files)).toEqual({ ok: true, records: 41, files: files.length });
    // a rotated file missing from the chain is a broken link
    expect(verifyAuditChain(files.slice(1)).ok).toBe(false);
  });

  it('records every policy call through the sidecar without bodies', async () => {
    const file = fresh();
    const log = new AuditLog({ file });
    const config = loadConfig({ env: {} });
    const { app } = createApp({
      config,
      registry: buildRegistry(builtinPolicies, config),
      logger: createLogger({ level: 'error' }),
      store: new MemoryStore(undefined, 0),
      audit: log,
    });
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
    expect(verifyAuditChain([file]).ok).toBe(true);
  });
});
