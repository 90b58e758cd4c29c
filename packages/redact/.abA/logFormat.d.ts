/** Redacts PII in a log record's message and fields, in place; symbols (winston's level/message) are kept. */
export declare function redactLogRecord<T extends Record<string | symbol, unknown>>(info: T): T;
//# sourceMappingURL=logFormat.d.ts.map