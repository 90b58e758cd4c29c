/**
 * @fileoverview An append-only, tamper-evident audit log: JSON lines, each holding the hash of the one
 * before it (a chain that starts at "genesis"), written in batches with an fsync per batch, rotated by
 * size with the chain carried across files. `verifyAuditChain` reports the first broken link.
 * Records hold who, what and how it was decided; never message bodies or prompt text.
 */
import { createHash, createHmac } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  truncateSync,
  writeFileSync,
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
  /**
   * While records cannot be written (a full disk, an I/O error): `fail-closed` (the default) refuses
   * audited requests with 503 until writing works again; `degrade` goes on serving. Either way the
   * records wait in memory and are written when the disk recovers.
   */
  onError?: 'fail-closed' | 'degrade';
  /** Records kept in memory while writes fail (default 10,000); later ones are counted and dropped. */
  maxBuffered?: number;
  /** Key for the head's HMAC: with it, a head cannot be rewritten to hide removed records. */
  headKey?: string;
  /** Told when writes start failing, recover, or records are dropped (for logs and metrics). */
  onEvent?: (event: AuditEvent) => void;
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

/** The last record of the chain: its sequence number and hash. */
function lastRecord(files: string[]): { seq: number; hash: string } {
  for (let i = files.length - 1; i >= 0; i--) {
    const lines = readFileSync(files[i]!, 'utf8').split('\n').filter(Boolean);
    if (lines.length > 0) {
      let last: { seq: number; hash: string };
      try {
        last = JSON.parse(lines[lines.length - 1]!) as { seq: number; hash: string };
      } catch {
        throw new AuditFileError(
          `the last record of ${files[i]} is not JSON, so the chain cannot be continued. Fix: run synapse-ai audit verify ${files[files.length - 1]} to see what was changed, and move the damaged file aside.`,
        );
      }
      return { seq: last.seq, hash: last.hash };
    }
  }
  return { seq: 0, hash: 'genesis' };
}

/** An audit log that cannot be opened or continued, with what to do about it. */
export class AuditFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditFileError';
  }
}

/** What a start found at the end of the current file and did about it. */
export interface TailRepair {
  /** Bytes of a record cut off mid-write (a crash, a full disk). */
  bytes: number;
  /** Where those bytes were moved, so nothing is lost. */
  savedTo: string;
}

/**
 * Repairs a current file whose last record was cut off mid-write: the cut bytes move to a file of
 * their own beside it and the log ends at its last whole record, so the chain can continue.
 */
function repairTail(file: string): TailRepair | undefined {
  if (!existsSync(file)) return undefined;
  const data = readFileSync(file);
  if (data.length === 0 || data[data.length - 1] === 0x0a) return undefined;
  const cut = data.lastIndexOf(0x0a) + 1;
  const tail = data.subarray(cut);
  try {
    const last = JSON.parse(tail.toString('utf8')) as { hash?: unknown };
    if (typeof last.hash === 'string') {
      // a whole record whose newline did not make it
      const fd = openSync(file, 'a', 0o600);
      try {
        writeSync(fd, '\n');
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return undefined;
    }
  } catch {
    // cut off: handled below
  }
  const savedTo = `${file}.cut-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  writeFileSync(savedTo, tail, { mode: 0o600 });
  truncateSync(file, cut);
  return { bytes: tail.length, savedTo };
}

/** The sealed head: the newest record written, kept apart from the log so that removing records shows. */
export interface AuditHead {
  seq: number;
  hash: string;
  /** HMAC-SHA256 of `seq:hash` with the head key, when one is configured. */
  mac?: string;
}

export const headFileOf = (file: string): string => `${file}.head`;

const macOf = (key: string, seq: number, hash: string): string =>
  createHmac('sha256', key).update(`${seq}:${hash}`).digest('hex');

export type AuditState = 'ok' | 'failing';

export interface AuditEvent {
  kind: 'write-failed' | 'recovered' | 'dropped';
  /** The error code (ENOSPC, EIO …) of a failed write. */
  code?: string;
  /** Records waiting to be written, or dropped so far. */
  records: number;
}

export class AuditLog {
  private size: number;
  private seq: number;
  private prev: string;
  private buffer: string[] = [];
  /** Bytes of a batch a failed write left unwritten: written first, so no record is cut or lost. */
  private pending: Buffer | undefined;
  /** Records appended but not yet durably written. */
  private unwritten = 0;
  /** Records refused while the buffer was full; a gap record tells of them when writing resumes. */
  private dropped = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly maxBytes: number;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private closed = false;
  private failing: string | undefined;
  /** What the start repaired at the end of the current file (a cut-off record), if anything. */
  readonly repaired: TailRepair | undefined;
  /** Write failures, and records dropped, since start (for metrics). */
  writeErrors = 0;
  droppedTotal = 0;

  constructor(private readonly options: AuditOptions) {
    this.repaired = repairTail(options.file);
    const last = lastRecord(chainFiles(options.file));
    this.seq = last.seq;
    this.prev = last.hash;
    // opened once here to fail at start on a folder the sidecar cannot write; every batch opens the
    // file by name again, so a replaced or moved file (or a disk that filled and emptied) is picked up
    closeSync(openSync(options.file, 'a', 0o600));
    this.size = statSync(options.file).size;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.batchSize = options.batchSize ?? 256;
    this.maxBuffered = options.maxBuffered ?? 10_000;
    // a log that has records but no head (written before heads existed) gets one now
    if (this.seq > 0 && !existsSync(headFileOf(options.file))) this.writeHead();
    this.timer = setInterval(() => this.flush(), options.flushMs ?? 200);
    this.timer.unref();
  }

  /** `ok`, or `failing` while records cannot be written (see {@link AuditOptions.onError}). */
  get state(): AuditState {
    return this.failing === undefined ? 'ok' : 'failing';
  }

  /** Why writing fails (an error code), while it does. */
  get failure(): string | undefined {
    return this.failing;
  }

  /** Whether audited work may go on: always in `degrade` mode; in `fail-closed` only while writes succeed. */
  get accepting(): boolean {
    return this.failing === undefined || (this.options.onError ?? 'fail-closed') === 'degrade';
  }

  /** Records waiting in memory to be written. */
  get buffered(): number {
    return this.unwritten;
  }

  private chain(record: Record<string, unknown>): void {
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
    this.unwritten++;
  }

  /**
   * Adds a record to the chain (written with the next batch). Never throws: while the disk fails,
   * records wait in memory (up to `maxBuffered`); beyond that they are counted, and a gap record
   * names how many were lost once writing resumes. After `close`, a record is written at once.
   */
  append(record: Record<string, unknown>): void {
    if (this.unwritten >= this.maxBuffered) {
      this.dropped++;
      this.droppedTotal++;
      this.options.onEvent?.({ kind: 'dropped', records: this.droppedTotal });
      return;
    }
    this.chain(record);
    if (this.closed || this.buffer.length >= this.batchSize) this.flush();
  }

  /**
   * Writes the buffered records and fsyncs, rotating first when the file would grow past its limit.
   * A failed write keeps what was not written and tries again at the next flush; it never throws.
   */
  flush(): void {
    if (this.buffer.length === 0 && this.pending === undefined) return;
    let data: Buffer;
    if (this.pending !== undefined) {
      data = this.pending;
    } else {
      data = Buffer.from(this.buffer.join(''), 'utf8');
      this.buffer = [];
    }
    this.pending = undefined;
    let written = 0;
    let fd: number | undefined;
    try {
      if (this.size > 0 && this.size + data.length > this.maxBytes) this.rotate();
      fd = openSync(this.options.file, 'a', 0o600);
      while (written < data.length) written += writeSync(fd, data, written);
      fsyncSync(fd);
    } catch (err) {
      this.pending = Buffer.concat([data.subarray(written), Buffer.from(this.buffer.join(''), 'utf8')]);
      this.buffer = [];
      this.size += written;
      this.writeErrors++;
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      if (this.failing === undefined) this.options.onEvent?.({ kind: 'write-failed', code, records: this.unwritten });
      this.failing = code;
      return;
    } finally {
      if (fd !== undefined) {
        try {
          closeSync(fd);
        } catch {
          // the write's own error is the one that counts
        }
      }
    }
    this.size += data.length;
    if (this.buffer.length > 0) {
      // records chained while a failed batch waited: write them now too
      const more = Buffer.from(this.buffer.join(''), 'utf8');
      this.buffer = [];
      this.pending = more;
      this.flush();
      return;
    }
    this.unwritten = 0;
    this.writeHead();
    if (this.failing !== undefined) {
      this.failing = undefined;
      this.options.onEvent?.({ kind: 'recovered', records: 0 });
      if (this.dropped > 0) {
        const dropped = this.dropped;
        this.dropped = 0;
        this.chain({
          event: 'audit.gap',
          dropped,
          reason: 'records were dropped while the audit log could not be written',
        });
        this.flush();
      }
    }
  }

  /** Seals the newest record in the head file (written beside the log, replaced atomically). */
  private writeHead(): void {
    const head: AuditHead = { seq: this.seq, hash: this.prev };
    if (this.options.headKey) head.mac = macOf(this.options.headKey, this.seq, this.prev);
    const file = headFileOf(this.options.file);
    try {
      writeFileSync(`${file}.tmp`, `${JSON.stringify(head)}\n`, { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
    } catch (err) {
      // the log itself was written; a stale head only makes verify report fewer records than there are
      this.writeErrors++;
      this.options.onEvent?.({ kind: 'write-failed', code: (err as NodeJS.ErrnoException).code ?? 'EIO', records: 0 });
    }
  }

  private rotate(): void {
    const rotated = chainFiles(this.options.file).filter((f) => f !== this.options.file);
    const next = rotated.length === 0 ? 1 : Number(rotated[rotated.length - 1]!.slice(-6)) + 1;
    renameSync(this.options.file, `${this.options.file}.${String(next).padStart(6, '0')}`);
    this.size = 0;
  }

  /**
   * Writes what is buffered and closes the file. Records appended later (a call that finishes after
   * shutdown began) are still chained and written, each at once.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.flush();
  }
}

export type VerifyResult =
  | { ok: true; records: number; files: number; head: 'matched' | 'missing' }
  | { ok: false; file: string; line: number; seq?: number; reason: string };

export interface VerifyOptions {
  /** The sealed head (see {@link readAuditHead}); `undefined` when there is none. */
  head?: AuditHead;
  /** Accept a log without a head (one written before heads existed): removal of its newest records cannot be seen. */
  allowMissingHead?: boolean;
  /** The head key the sidecar used, to check the head's HMAC. */
  headKey?: string;
}

/** The head file beside `file`, or undefined when there is none. @throws {AuditFileError} when it is not a head */
export function readAuditHead(file: string): AuditHead | undefined {
  const path = headFileOf(file);
  if (!existsSync(path)) return undefined;
  try {
    const head = JSON.parse(readFileSync(path, 'utf8')) as AuditHead;
    if (typeof head.seq === 'number' && typeof head.hash === 'string') return head;
  } catch {
    // reported below
  }
  throw new AuditFileError(`${path} is not an audit head (it was changed or damaged).`);
}

/**
 * Checks the chain across `files` (oldest first): every line parses, counts on, links to the one
 * before and hashes right; and the chain reaches the sealed head, so removing the newest records (or
 * emptying the file) shows.
 */
export function verifyAuditChain(files: readonly string[], options: VerifyOptions = {}): VerifyResult {
  let prev = 'genesis';
  let seq = 0;
  let records = 0;
  const { head } = options;
  const last = files[files.length - 1] ?? '';
  let lastLine = 0;
  let sawHead = false;
  if (head?.mac !== undefined || options.headKey !== undefined) {
    if (!options.headKey)
      return {
        ok: false,
        file: last,
        line: 0,
        reason: 'the head is sealed with a key: give the key to check it (SAI_AUDIT_HEAD_KEY)',
      };
    if (head && head.mac !== macOf(options.headKey, head.seq, head.hash))
      return {
        ok: false,
        file: last,
        line: 0,
        seq: head.seq,
        reason: 'the head does not carry a valid seal for this key (it was rewritten)',
      };
  }
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
      lastLine = i + 1;
      if (head && seq === head.seq) {
        if (hash !== head.hash)
          return {
            ok: false,
            ...where,
            seq,
            reason: 'the record the head seals has a different hash (the log was rewritten)',
          };
        sawHead = true;
      }
    }
  }
  if (!head) {
    if (records > 0 && !options.allowMissingHead)
      return {
        ok: false,
        file: last,
        line: lastLine,
        reason: `the head file (${basename(headFileOf(last))}) is missing, so removal of the newest records cannot be ruled out. Fix: restore it, or pass --allow-missing-head for a log written before heads existed`,
      };
    return { ok: true, records, files: files.length, head: 'missing' };
  }
  // the log may run a batch past the head (a crash between the write and the head's update), never short of it
  if (!sawHead)
    return {
      ok: false,
      file: last,
      line: lastLine,
      seq,
      reason: `the log ends at sequence ${seq}, but the head seals sequence ${head.seq}: the newest ${head.seq - seq} record${head.seq - seq === 1 ? ' was' : 's were'} removed`,
    };
  return { ok: true, records, files: files.length, head: 'matched' };
}
