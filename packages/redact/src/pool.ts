/**
 * @fileoverview Redaction off the event loop. Large bodies are redacted in worker threads, so a long
 * scan never delays the other requests a sidecar is answering (or its health probe), and a time budget
 * really stops the work: a worker that overruns it is terminated and replaced. Small bodies, and
 * options that cannot cross a thread (custom validators written as functions), are redacted in place.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { RedactError } from './errors';
import { redact, type RedactOptions, type RedactResult } from './redact';

/** Bodies at least this long (UTF-16 code units) go to a worker. */
export const WORKER_MIN_CHARS = 64 * 1024;

/** What a worker is asked: a plain redaction, a pass that collects pseudonym candidates, or one that writes tokens. */
export type WorkerMode =
  { mode: 'plain' } | { mode: 'collect' } | { mode: 'apply'; tokens: readonly [string, string][] };

export interface WorkerRequest {
  id: number;
  body: string;
  opts: Omit<RedactOptions, 'pseudonyms' | 'deadline'>;
  /** Milliseconds the worker may spend (its clock is its own). */
  budgetMs: number | undefined;
  task: WorkerMode;
}

export type WorkerResponse =
  | { id: number; ok: true; result: RedactResult; wanted?: { type: string; value: string }[] }
  | { id: number; ok: false; code?: string; message: string };

/** A redaction outcome, with the values a `collect` pass found for pseudonyms. */
export interface PooledResult {
  result: RedactResult;
  wanted: { type: string; value: string }[];
}

/** The key a (type, value) pair has in a pseudonym map. */
export const pseudonymKey = (type: string, value: string): string => `${type}\u0000${value}`;

/**
 * Runs one redaction as the worker does, in this thread: used for small bodies and as the worker's body.
 * @internal
 */
export function redactTask(body: string, opts: Omit<RedactOptions, 'pseudonyms'>, task: WorkerMode): PooledResult {
  const wanted = new Map<string, { type: string; value: string }>();
  if (task.mode === 'plain') return { result: redact(body, opts), wanted: [] };
  if (task.mode === 'collect') {
    const result = redact(body, {
      ...opts,
      pseudonyms: (type, value) => {
        wanted.set(pseudonymKey(type, value), { type, value });
        return `<${type}_0>`;
      },
    });
    return { result, wanted: [...wanted.values()] };
  }
  const map = new Map(task.tokens);
  const result = redact(body, {
    ...opts,
    pseudonyms: (type, value) => map.get(pseudonymKey(type, value)) ?? `<${type}>`,
  });
  return { result, wanted: [] };
}

/** Whether the options survive the structured clone a worker needs (functions do not). */
function cloneable(opts: Omit<RedactOptions, 'pseudonyms'>): boolean {
  return !(opts.custom ?? []).some((d) => typeof d.validator === 'function');
}

interface Job {
  request: WorkerRequest;
  resolve: (r: PooledResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
  slot: Slot | undefined;
  /** The job's deadline on this thread's clock. */
  deadline: number | undefined;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
}

/** The worker script: the compiled `worker.js` beside this file (or in `dist` when this runs from `src`). */
function workerScript(): string {
  return __filename.endsWith('.ts') ? join(__dirname, '..', 'dist', 'worker.js') : join(__dirname, 'worker.js');
}

export interface RedactPoolOptions {
  /** Worker threads (default: one less than the CPUs, at least 1, at most 4). */
  size?: number;
  /** Bodies shorter than this are redacted in place (default {@link WORKER_MIN_CHARS}). */
  minChars?: number;
  /** Grace after the budget before a worker is terminated, ms (default 100). */
  graceMs?: number;
}

/**
 * A small pool of redaction workers. Jobs wait in a queue while all workers are busy; the wait counts
 * against the job's budget. Workers are started on first use and do not keep the process alive.
 */
export class RedactPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  readonly size: number;
  readonly minChars: number;
  private readonly graceMs: number;
  /** Workers terminated because they overran a budget (for metrics and tests). */
  terminated = 0;

  constructor(options: RedactPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? Math.min(4, availableParallelism() - 1));
    this.minChars = options.minChars ?? WORKER_MIN_CHARS;
    this.graceMs = options.graceMs ?? 100;
  }

  /**
   * Redacts `body` (in a worker when it is large), honouring `opts.deadline` (performance.now() time).
   * @throws {RedactError} as {@link redact} does; REDACT_TIMEOUT when the budget runs out, wherever the job is
   */
  async run(
    body: string,
    opts: Omit<RedactOptions, 'pseudonyms'>,
    task: WorkerMode = { mode: 'plain' },
  ): Promise<PooledResult> {
    if (body.length < this.minChars || !cloneable(opts)) return redactTask(body, opts, task);
    const { deadline, ...rest } = opts;
    const budgetMs = deadline === undefined ? undefined : Math.max(1, deadline - performance.now());
    return new Promise<PooledResult>((resolve, reject) => {
      const job: Job = {
        request: { id: this.nextId++, body, opts: rest, budgetMs, task },
        resolve,
        reject,
        timer: undefined,
        slot: undefined,
        deadline,
      };
      if (budgetMs !== undefined) {
        job.timer = setTimeout(() => this.expire(job), budgetMs + this.graceMs);
        job.timer.unref();
      }
      this.queue.push(job);
      this.pump();
    });
  }

  private expire(job: Job): void {
    job.timer = undefined;
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    if (job.slot) {
      // the worker is still inside this job: only terminating it stops the work
      this.terminated++;
      void this.retire(job.slot);
    }
    job.reject(new RedactError('REDACT_TIMEOUT', 'redaction did not finish within its time budget'));
    this.pump();
  }

  /** Takes a slot out of the pool and terminates its worker (resolves when it has stopped). */
  private retire(slot: Slot): Promise<number> {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    slot.job = undefined;
    slot.worker.removeAllListeners();
    slot.worker.on('error', () => undefined);
    return slot.worker.terminate();
  }

  private spawn(): Slot {
    const worker = new Worker(workerScript());
    const slot: Slot = { worker, job: undefined };
    worker.on('message', (msg: WorkerResponse) => this.settle(slot, msg));
    worker.on('error', (err) => this.fail(slot, err));
    worker.on('exit', (code) => this.fail(slot, new Error(`the redaction worker exited (code ${code})`)));
    // an idle worker never keeps the process alive (listeners ref it: unref after them); a busy
    // one does, as any pending I/O would
    worker.unref();
    this.slots.push(slot);
    return slot;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.job === undefined);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.job = job;
      job.slot = slot;
      slot.worker.ref();
      const { request } = job;
      // the worker gets the budget left after the wait in the queue
      if (job.deadline !== undefined) request.budgetMs = Math.max(1, job.deadline - performance.now());
      slot.worker.postMessage(request);
    }
  }

  private settle(slot: Slot, msg: WorkerResponse): void {
    const job = slot.job;
    if (!job || job.request.id !== msg.id) return;
    slot.job = undefined;
    slot.worker.unref();
    if (job.timer) clearTimeout(job.timer);
    if (msg.ok) job.resolve({ result: msg.result, wanted: msg.wanted ?? [] });
    else job.reject(msg.code ? new RedactError(msg.code as RedactError['code'], msg.message) : new Error(msg.message));
    this.pump();
  }

  private fail(slot: Slot, err: Error): void {
    const job = slot.job;
    void this.retire(slot);
    if (job) {
      if (job.timer) clearTimeout(job.timer);
      job.reject(err);
    }
    this.pump();
  }

  /**
   * Terminates the workers (a job still running is rejected with REDACT_TIMEOUT). The pool stays
   * usable: a later job starts a new worker. The sidecar calls this at shutdown.
   */
  async close(): Promise<void> {
    for (const job of this.queue.splice(0)) {
      if (job.timer) clearTimeout(job.timer);
      job.reject(new RedactError('REDACT_TIMEOUT', 'the redaction pool was closed'));
    }
    await Promise.all(
      [...this.slots].map((s) => {
        if (s.job?.timer) clearTimeout(s.job.timer);
        s.job?.reject(new RedactError('REDACT_TIMEOUT', 'the redaction pool was closed'));
        return this.retire(s);
      }),
    );
  }
}

let shared: RedactPool | undefined;

/** The process-wide pool the policies use. */
export function sharedRedactPool(): RedactPool {
  return (shared ??= new RedactPool());
}

/** Redacts `body` off the event loop when it is large (see {@link RedactPool}). */
export async function redactAsync(body: string, opts: Omit<RedactOptions, 'pseudonyms'>): Promise<RedactResult> {
  return (await sharedRedactPool().run(body, opts)).result;
}
