/**
 * @fileoverview Keeps PII out of the sidecar's own logs: a transform for log records (winston's
 * `format((info) => …)` takes it as is) that redacts every string field with the same engine.
 */
import { detect, DEFAULT_TYPES } from './detectors';

function scrubString(s: string, field: string, keep: ReadonlySet<string> | undefined): string {
  if (s.length < 6 || keep?.has(s)) return s;
  const found = detect(s, { types: DEFAULT_TYPES, fieldName: field });
  if (found.length === 0) return s;
  let out = '';
  let last = 0;
  for (const f of found) {
    out += `${s.slice(last, f.start)}<${f.type}>`;
    last = f.end;
  }
  return out + s.slice(last);
}

function scrub(value: unknown, field: string, depth: number, keep: ReadonlySet<string> | undefined): unknown {
  if (typeof value === 'string') return scrubString(value, field, keep);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, field, depth + 1, keep));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrub(v, k, depth + 1, keep);
  return out;
}

/**
 * Redacts PII in a log record's message and fields, in place; symbols (winston's level/message) are
 * kept, and so are the exact string values in `keep` (the service's own addresses, which are not
 * anybody's personal data).
 */
export function redactLogRecord<T extends Record<string | symbol, unknown>>(info: T, keep?: ReadonlySet<string>): T {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'timestamp' || key === 'service') continue;
    (info as Record<string, unknown>)[key] = scrub(info[key], key, 0, keep);
  }
  return info;
}
