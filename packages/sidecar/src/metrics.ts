/**
 * @fileoverview Prometheus metrics: request counts and latency histograms per policy and outcome,
 * plus Node process metrics. Label values are bounded: unknown policy names count as `_unknown`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditLog } from './audit';

export type Outcome = 'allow' | 'modified' | 'block' | 'client_error' | 'server_error';

export class SidecarMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'policy' | 'outcome'>;
  private readonly duration: Histogram<'policy' | 'outcome'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'sai_' });
    this.requests = new Counter({
      name: 'sai_policy_requests_total',
      help: 'Policy and pipeline calls, by policy and outcome',
      labelNames: ['policy', 'outcome'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'sai_policy_request_duration_seconds',
      help: 'Time from request to response for policy and pipeline calls, by policy and outcome',
      labelNames: ['policy', 'outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
  }

  /** Labelled children, cached: resolving labels on every request is the costly part of prom-client. */
  private readonly children = new Map<string, { inc: () => void; observe: (s: number) => void }>();

  observe(policy: string, outcome: Outcome, seconds: number): void {
    const key = `${policy}\u0000${outcome}`;
    let child = this.children.get(key);
    if (!child) {
      const counter = this.requests.labels(policy, outcome);
      const histogram = this.duration.labels(policy, outcome);
      child = { inc: () => counter.inc(), observe: (s) => histogram.observe(s) };
      this.children.set(key, child);
    }
    child.inc();
    child.observe(seconds);
  }

  /** The audit log's health: whether it is written, records waiting, write errors and drops. */
  watchAudit(audit: AuditLog): void {
    const gauges: [name: string, help: string, read: () => number][] = [
      [
        'sai_audit_writable',
        '1 while the audit log is written, 0 while writes fail',
        () => (audit.state === 'ok' ? 1 : 0),
      ],
      ['sai_audit_buffered_records', 'Audit records waiting in memory to be written', () => audit.buffered],
      ['sai_audit_write_errors', 'Failed audit writes since start', () => audit.writeErrors],
      [
        'sai_audit_dropped_records',
        'Audit records dropped since start because the in-memory buffer was full',
        () => audit.droppedTotal,
      ],
    ];
    for (const [name, help, read] of gauges)
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
