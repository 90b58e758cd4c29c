/**
 * @fileoverview Checks that turn a pattern match into a finding: checksums, registries and ranges.
 */
/** Luhn (mod 10) over the digits of `s`. */
export declare function luhn(digits: string): boolean;
/** Card issuer ranges (IIN) with their lengths; a number outside them is not a card. */
export declare function cardIssuer(digits: string): string | undefined;
/** IBAN lengths by country (ISO 13616 registry). */
export declare const IBAN_LENGTHS: Readonly<Record<string, number>>;
/** ISO 7064 mod 97-10 over an IBAN without spaces. */
export declare function ibanValid(iban: string): boolean;
/** US SSN rules: area not 000, 666 or 900–999; group not 00; serial not 0000; well-known samples refused. */
export declare function ssnValid(area: string, group: string, serial: string): boolean;
export declare function ipv4Valid(s: string): boolean;
export declare function ipv6Valid(s: string): boolean;
/** Shannon entropy in bits per character. */
export declare function entropy(s: string): number;
/** A JWT's first part must decode to a JSON object with an `alg`. */
export declare function jwtHeaderValid(header: string): boolean;
/** A calendar date that exists and lies in the past 130 years (for birth dates). */
export declare function plausibleBirthDate(year: number, month: number, day: number, now?: Date): boolean;
//# sourceMappingURL=validators.d.ts.map