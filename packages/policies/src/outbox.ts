/**
 * @fileoverview Posting JSON to another system after the answer, never delaying it: one bounded
 * queue per mounted policy and endpoint, records posted one after the other in the background and
 * retried with backoff; a full queue drops the newest record and counts it (store key
 * `outbox:dropped:<host>`, and a warning every 100 drops). Used by enrich's sink, rate-advice's
 * review webhook and anomaly's alerts.
 */
import type { PolicyContext } from '@synapse-ai/sdk';

export interface OutboxOptions {
  url: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Records waiting at most (default 1000). */
  queue?: number;
  /** Tries per record (default 2). */
  attempts?: number;
}

type Ctx = Pick<PolicyContext<unknown>, 'http' | 'logger' | 'store'>;

export class Outbox {
  private readonly waiting: string[] = [];
  private sending = false;
  dropped = 0;
  sent = 0;
  constructor(
    private readonly o: OutboxOptions,
    private readonly ctx: Ctx,
    private readonly what: string,
  ) {}

  /** Queues one JSON text; false when the queue was full (the record is dropped and counted). */
  offer(record: string): boolean {
    if (this.waiting.length >= (this.o.queue ?? 1000)) {
      this.dropped++;
      const host = new URL(this.o.url).host;
      void this.ctx.store.incr(`outbox:dropped:${host}`, 1, 30 * 86_400_000).catch(() => undefined);
      if (this.dropped % 100 === 1)
        this.ctx.logger.warn(`${this.what} queue full: records dropped`, { host, dropped: this.dropped });
      return false;
    }
    this.waiting.push(record);
    if (!this.sending) void this.drain();
    return true;
  }

  private async drain(): Promise<void> {
    this.sending = true;
    const attempts = this.o.attempts ?? 2;
    try {
      for (let record = this.waiting.shift(); record !== undefined; record = this.waiting.shift()) {
        for (let attempt = 1; attempt <= attempts; attempt++) {
          try {
            await this.ctx.http.post(this.o.url, record, {
              timeout: this.o.timeoutMs ?? 2000,
              headers: { 'content-type': 'application/json', ...(this.o.headers ?? {}) },
              transformRequest: [(d: unknown) => d],
              validateStatus: (st) => st >= 200 && st < 300,
            });
            this.sent++;
            break;
          } catch (err) {
            if (attempt === attempts) {
              this.dropped++;
              this.ctx.logger.warn(`${this.what} post failed: record dropped`, {
                host: new URL(this.o.url).host,
                attempts,
                error: (err as Error).message,
              });
            } else await new Promise((r) => setTimeout(r, 100 * 2 ** (attempt - 1)));
          }
        }
      }
    } finally {
      this.sending = false;
    }
  }

  /** Resolves when every queued record was sent or dropped (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.sending || this.waiting.length > 0) await new Promise((r) => setTimeout(r, 5));
  }
}

const outboxes = new WeakMap<object, Map<string, Outbox>>();

/** The outbox of an endpoint for a mounted policy (one per its http client and URL). */
export function outboxFor(o: OutboxOptions, ctx: Ctx, what: string): Outbox {
  let byUrl = outboxes.get(ctx.http);
  if (!byUrl) outboxes.set(ctx.http, (byUrl = new Map()));
  let q = byUrl.get(o.url);
  if (!q) byUrl.set(o.url, (q = new Outbox(o, ctx, what)));
  return q;
}

/** Every outbox of a mounted policy (by its http client): for tests and shutdown. */
export function outboxesOf(http: object): Outbox[] {
  return [...(outboxes.get(http)?.values() ?? [])];
}
