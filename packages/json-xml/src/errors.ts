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
  | 'JSONXML_BAD_PROPERTY';

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
