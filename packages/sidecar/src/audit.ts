/**
 * @fileoverview An append-only, tamper-evident audit log: JSON lines, each holding the hash of the one
 * before it (a chain that starts at "genesis"), written in batches with an fsync per batch, rotated by
 * size with the chain carried across files. `verifyAuditChain` reports the first broken link.
 * Records hold who, what and how it was decided; never message bodies or prompt text.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface AuditOptions {
  /** The current log file; rotated files sit beside it as `<file>.000001`, `<file>.000002`, … */
  file: string;
  /** Rotate when the current file would grow past this many bytes (default 64 MiB). */
  maxBytes?: number;
  /** Write buffered records at least this often (default 200 ms). */
  flushMs?: number;
  /** Write as soon as this many records are buffered (default 256). */
  batchSize?: number;
}

/** JSON with object keys sorted at every level: the form that is hashed. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const hashOf = (record: Record<string, unknown>): string =>
  createHash('sha256').update(canonicalJson(record)).digest('hex');

/** Rotated files of `file`, oldest first, then `file` itself when it exists. */
export function chainFiles(file: string): string[] {
  const dir = dirname(file);
  const base = basename(file);
  let rotated: string[] = [];
  try {
    rotated = readdirSync(dir)
      .filter((f) => f.startsWith(`${base}.`) && /^\d{6}$/.test(f.slice(base.length + 1)))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    rotated = [];
  }
  return existsSync(file) ? [...rotated, file] : rotated;
}

function lastRecord(files: string[]): { seq: number; hash: string } {
  for (let i = files.length - 1; i >= 0; i--) {
    const lines = readFileSync(files[i]!, 'utf8').split('\n').filter(Boolean);
    if (lines.length > 0) {
      const last = JSON.parse(lines[lines.length - 1]!) as { seq: number; hash: string };
      return { seq: last.seq, hash: last.hash };
    }
  }
  return { seq: 0, hash: 'genesis' };
}

export class AuditLog {
  private fd: number;
  private size: number;
  private seq: number;
  private prev: string;
  private buffer: string[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly maxBytes: number;
  private readonly batchSize: number;
  private closed = false;

  constructor(private readonly options: AuditOptions) {
    const last = lastRecord(chainFiles(options.file));
    this.seq = last.seq;
    this.prev = last.hash;
    this.fd = openSync(options.file, 'a', 0o600);
    this.size = statSync(options.file).size;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.batchSize = options.batchSize ?? 256;
    this.timer = setInterval(() => this.flush(), options.flushMs ?? 200);
    this.timer.unref();
  }

  /** Adds a record to the chain (written with the next batch). */
  append(record: Record<string, unknown>): void {
    if (this.closed) throw new Error('the audit log is closed');
    const entry: Record<string, unknown> = {
      ...record,
      seq: this.seq + 1,
      ts: new Date().toISOString(),
      prev: this.prev,
    };
    delete entry.hash;
    const hash = hashOf(entry);
    this.seq++;
    this.prev = hash;
    this.buffer.push(`${JSON.stringify({ ...entry, hash })}\n`);
    if (this.buffer.length >= this.batchSize) this.flush();
  }

  /** Writes the buffered records and fsyncs, rotating first when the file would grow past its limit. */
  flush(): void {
    if (this.buffer.length === 0) return;
    const data = this.buffer.join('');
    this.buffer = [];
    const bytes = Buffer.byteLength(data);
    if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
    writeSync(this.fd, data);
    fsyncSync(this.fd);
    this.size += bytes;
  }

  private rotate(): void {
    closeSync(this.fd);
    const rotated = chainFiles(this.options.file).filter((f) => f !== this.options.file);
    const next = rotated.length === 0 ? 1 : Number(rotated[rotated.length - 1]!.slice(-6)) + 1;
    renameSync(this.options.file, `${this.options.file}.${String(next).padStart(6, '0')}`);
    this.fd = openSync(this.options.file, 'a', 0o600);
    this.size = 0;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    clearInterval(this.timer);
    closeSync(this.fd);
    this.closed = true;
  }
}

export type VerifyResult =
  | { ok: true; records: number; files: number }
  | { ok: false; file: string; line: number; seq?: number; reason: string };

/** Checks the chain across `files` (oldest first): every line parses, counts on, links to the one before and hashes right. */
export function verifyAuditChain(files: readonly string[]): VerifyResult {
  let prev = 'genesis';
  let seq = 0;
  let records = 0;
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    for (let i = 0; i < lines.length; i++) {
      const where = { file, line: i + 1 };
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(lines[i]!) as Record<string, unknown>;
      } catch {
        return { ok: false, ...where, reason: 'the line is not JSON (truncated or edited)' };
      }
      const { hash, ...rest } = entry;
      if (rest.seq !== seq + 1)
        return {
          ok: false,
          ...where,
          seq: rest.seq as number,
          reason: `sequence ${String(rest.seq)} follows ${seq} (a record was removed, added or reordered)`,
        };
      if (rest.prev !== prev)
        return { ok: false, ...where, seq: rest.seq as number, reason: 'it does not link to the record before it' };
      if (hash !== hashOf(rest))
        return {
          ok: false,
          ...where,
          seq: rest.seq as number,
          reason: 'its hash does not match its content (the record was changed)',
        };
      prev = hash as string;
      seq++;
      records++;
    }
  }
  return { ok: true, records, files: files.length };
}
