"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.redactLogRecord = redactLogRecord;
/**
 * @fileoverview Keeps PII out of the sidecar's own logs: a transform for log records (winston's
 * `format((info) => …)` takes it as is) that redacts every string field with the same engine.
 */
const detectors_1 = require("./detectors");
function scrubString(s, field) {
    if (s.length < 6)
        return s;
    const found = (0, detectors_1.detect)(s, { types: detectors_1.DEFAULT_TYPES, fieldName: field });
    if (found.length === 0)
        return s;
    let out = '';
    let last = 0;
    for (const f of found) {
        out += `${s.slice(last, f.start)}<${f.type}>`;
        last = f.end;
    }
    return out + s.slice(last);
}
function scrub(value, field, depth) {
    if (typeof value === 'string')
        return scrubString(value, field);
    if (depth > 6 || value === null || typeof value !== 'object')
        return value;
    if (Array.isArray(value))
        return value.map((v) => scrub(v, field, depth + 1));
    const out = {};
    for (const [k, v] of Object.entries(value))
        out[k] = scrub(v, k, depth + 1);
    return out;
}
/** Redacts PII in a log record's message and fields, in place; symbols (winston's level/message) are kept. */
function redactLogRecord(info) {
    for (const key of Object.keys(info)) {
        if (key === 'level' || key === 'timestamp' || key === 'service')
            continue;
        info[key] = scrub(info[key], key, 0);
    }
    return info;
}
//# sourceMappingURL=logFormat.js.map