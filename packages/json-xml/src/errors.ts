/**
 * @fileoverview Errors of the converter. Every error has a `code` and a message that says where
 * (line and column, or the JSON key / XML element path) and why, and how to fix it where there is a fix.
 */

export type JsonXmlErrorCode =
  | 'JSONXML_MALFORMED_JSON'
  | 'JSONXML_MALFORMED_XML'
  | 'JSONXML_DTD_REFUSED'
  | 'JSONXML_INVALID_NAME'
  | 'JSONXML_MIXED_CONTENT'
  | 'JSONXML_DOLLAR_OBJECT'
  | 'JSONXML_UNSUPPORTED'
  | 'JSONXML_TOO_DEEP'
  | 'JSONXML_TOO_LARGE'
  | 'JSONXML_BAD_PROPERTY'
  | 'JSONXML_INVALID_UTF8';

export class JsonXmlError extends Error {
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(
    readonly code: JsonXmlErrorCode,
    message: string,
    position?: { line: number; column: number },
  ) {
    super(message);
    this.name = 'JsonXmlError';
    this.line = position?.line;
    this.column = position?.column;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes bytes as UTF-8 (a leading byte-order mark is dropped). Invalid sequences are an error, never
 * replacement characters.
 * @throws {JsonXmlError} JSONXML_INVALID_UTF8 with the byte offset of the first bad sequence.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    const text = utf8.decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    const offset = firstInvalidUtf8(bytes);
    throw new JsonXmlError(
      'JSONXML_INVALID_UTF8',
      `The input is not valid UTF-8 (first bad byte at offset ${offset}). Convert it to UTF-8 first.`,
    );
  }
}

function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    const need =
      c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return b.length;
}

/** Refuses input longer than `maxLength` UTF-16 code units (default 64 Mi). */
export function checkLength(input: string, what: 'JSON' | 'XML', maxLength = 64 * 1024 * 1024): void {
  if (input.length > maxLength) {
    throw new JsonXmlError(
      'JSONXML_TOO_LARGE',
      `The ${what} is ${input.length} characters long; the limit is ${maxLength}.`,
    );
  }
}
