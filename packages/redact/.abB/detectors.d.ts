export declare const PII_TYPES: readonly ["EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS", "URL", "DATE_OF_BIRTH", "PERSON", "ADDRESS", "JWT", "SECRET", "CREDENTIAL_URL", "PRIVATE_KEY"];
export type PiiType = (typeof PII_TYPES)[number];
/** Types found by pattern and validator (as opposed to field-name context): the accuracy targets apply to these. */
export declare const STRUCTURED_TYPES: readonly PiiType[];
/** Types detected unless `types` says otherwise (URL is opt-in: most URLs in API payloads are not personal). */
export declare const DEFAULT_TYPES: readonly string[];
/** A detected span. Never holds the matched value. */
export interface Finding {
    type: string;
    /** UTF-16 offsets into the scanned text, end-exclusive. */
    start: number;
    end: number;
    score?: number;
    detector?: string;
    /** Where in a structured body: JSONPath for JSON (`$.user.email`), XPath for XML (`/order/email`). */
    path?: string;
}
export interface DetectOptions {
    /** Types to report (default {@link DEFAULT_TYPES}). */
    types?: readonly string[];
    /** The key or element name the text sits under (drives context detectors). */
    fieldName?: string;
    /** The key or element above that (`customer` for `customer.name`). */
    parentName?: string;
    /** Region for phone numbers written without `+` (ISO 3166 alpha-2, e.g. `US`). */
    defaultCountry?: string;
    custom?: readonly CustomDetector[];
    /** Findings scoring below this are dropped (default 0.5). */
    minScore?: number;
    now?: Date;
}
/** A detector declared in configuration or written with the SDK. */
export interface CustomDetector {
    /** Type reported (e.g. `EMPLOYEE_ID`). */
    type: string;
    /** JavaScript regular expression source. */
    pattern: string;
    flags?: string;
    /** A built-in check (`luhn`, `mod97`) or a function of the matched text. */
    validator?: 'luhn' | 'mod97' | ((match: string) => boolean);
    /** Words of which one must appear in the field name or within 40 characters before the match. */
    context?: readonly string[];
    score?: number;
}
/**
 * Finds PII and secrets in `text`. Findings carry the type, the span (UTF-16, end-exclusive), the
 * detector and a score; never the matched value. Overlaps go to the more specific type.
 */
export declare function detect(text: string, opts?: DetectOptions): Finding[];
/**
 * {@link detect}, appending the findings to `sink` in text order, each with `path` when one is given
 * (a function is called once, on the first finding). Returns how many were appended.
 * @internal for the redaction engine, which keeps one list per body
 */
export declare function detectInto(text: string, opts: DetectOptions, sink: Finding[], path?: string | (() => string)): number;
/**
 * Declares a detector in code: checks it at once (the pattern must compile and must not match the
 * empty string) so a mistake fails at start-up, not on the first message.
 * @example defineDetector({ type: 'EMPLOYEE_ID', pattern: 'EMP-\\d{6}', validator: (m) => m !== 'EMP-000000', context: ['employee'] })
 */
export declare function defineDetector(d: CustomDetector): CustomDetector;
//# sourceMappingURL=detectors.d.ts.map