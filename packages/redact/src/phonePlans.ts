/**
 * @fileoverview The answer libphonenumber-js gives for a phone number written in international
 * format (`+44 20 7946 0958`), computed from the same metadata with its patterns compiled once.
 *
 * `parsePhoneNumberFromString(text).isValid()` builds its regular expressions from the metadata's
 * strings on every call and walks the numbering plan through several metadata objects; for the one
 * international number a typical order carries, that was a quarter of the redaction time. This module
 * answers the common form (a `+`, the digits and the punctuation people write between groups) and
 * says `undefined` for everything else (extensions, national prefixes written after the country
 * code, non-geographic codes), which then goes to libphonenumber-js itself. A differential test
 * holds the two to the same answer on every example number of the metadata and on random input.
 */
import * as core from 'libphonenumber-js/core';
import METADATA from 'libphonenumber-js/min/metadata';

/** The part of libphonenumber-js's Metadata accessor read here (exported by `libphonenumber-js/core`). */
interface PlanType {
  pattern(): string;
  possibleLengths(): number[] | undefined;
}
interface MetadataAccessor {
  hasCallingCode(code: string): boolean;
  isNonGeographicCallingCode(code: string): boolean;
  getCountryCodesForCallingCode(code: string): string[] | undefined;
  selectNumberingPlan(country: string): MetadataAccessor;
  numberingPlan: {
    nationalNumberPattern(): string;
    possibleLengths(): number[] | undefined;
    leadingDigits(): string | undefined;
    nationalPrefixForParsing(): string | undefined;
    hasTypes(): boolean;
    type(type: string): PlanType | undefined;
  };
}

// the accessor is exported at run time but not declared in the package's types
const { Metadata } = core as unknown as { Metadata: new (json: unknown) => MetadataAccessor };

/** The types libphonenumber-js tries, fixed line first (any of them makes a number valid). */
const TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];

interface TypeRule {
  re: RegExp;
  lengths: readonly number[] | undefined;
}

interface Plan {
  country: string;
  national: RegExp;
  lengths: readonly number[] | undefined;
  leading: RegExp | undefined;
  /** Type patterns, when the plan has them (shared calling codes); otherwise the national pattern decides. */
  types: readonly TypeRule[] | undefined;
}

interface CallingCode {
  /** The countries sharing the code, the main one first. */
  plans: readonly Plan[];
  /** The main country's national prefix for parsing, anchored (a number that starts with it goes to the library). */
  prefix: RegExp | undefined;
}

const whole = (source: string): RegExp => new RegExp(`^(?:${source})$`);

/** The accessor, or undefined when this version of the library does not export it (then the library answers all). */
const metadata: MetadataAccessor | undefined = typeof Metadata === 'function' ? new Metadata(METADATA) : undefined;
const plansByCountry = new Map<string, Plan>();
function planOf(country: string): Plan {
  let plan = plansByCountry.get(country);
  if (plan === undefined) {
    const p = metadata!.selectNumberingPlan(country).numberingPlan;
    const leading = p.leadingDigits();
    let types: TypeRule[] | undefined;
    if (p.hasTypes()) {
      types = [];
      for (const t of TYPES) {
        const rule = p.type(t);
        const pattern = rule?.pattern();
        if (rule && pattern) types.push({ re: whole(pattern), lengths: rule.possibleLengths() });
      }
    }
    plan = {
      country,
      national: whole(p.nationalNumberPattern()),
      lengths: p.possibleLengths(),
      leading: leading ? new RegExp(`^(?:${leading})`) : undefined,
      types,
    };
    plansByCountry.set(country, plan);
  }
  return plan;
}

/** Calling codes read so far (`null`: not one the fast path answers for). */
const codes = new Map<string, CallingCode | null>();
function callingCode(code: string): CallingCode | null {
  let entry = codes.get(code);
  if (entry === undefined) {
    entry = null;
    const countries = metadata!.isNonGeographicCallingCode(code)
      ? undefined
      : metadata!.getCountryCodesForCallingCode(code);
    if (countries !== undefined && countries.length > 0) {
      const prefix = metadata!.selectNumberingPlan(countries[0]!).numberingPlan.nationalPrefixForParsing();
      entry = { plans: countries.map(planOf), prefix: prefix ? new RegExp(`^(?:${prefix})`) : undefined };
    }
    codes.set(code, entry);
  }
  return entry;
}

/** Whether the national number has a type of the plan (its number type is defined). */
function typed(plan: Plan, national: string): boolean {
  if (!plan.national.test(national)) return false;
  for (const t of plan.types!) {
    if (t.lengths !== undefined && !t.lengths.includes(national.length)) continue;
    if (t.re.test(national)) return true;
  }
  return false;
}

/** The country libphonenumber-js assigns among those sharing a calling code (undefined: none). */
function countryOf(code: CallingCode, national: string): Plan | undefined {
  if (code.plans.length === 1) return code.plans[0];
  for (const plan of code.plans) {
    if (plan.leading !== undefined) {
      if (plan.leading.test(national)) return plan;
    } else if (plan.types !== undefined && typed(plan, national)) return plan;
  }
  return undefined;
}

const MAX_NATIONAL = 17;

/**
 * Whether `text`, a number in international format (`+` and digits, grouped with spaces, dashes,
 * dots, slashes or brackets), is valid (or, with `possible`, of a possible length) as
 * libphonenumber-js's `parsePhoneNumberFromString(text)` would say; `undefined` when the text is
 * outside that form and the library must answer.
 */
export function internationalPhone(text: string, possible: boolean): boolean | undefined {
  if (metadata === undefined || text.charCodeAt(0) !== 0x2b) return undefined;
  let digits = '';
  for (let i = 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits += text[i];
    else if (!(c === 0x20 || c === 0x2d || c === 0x2e || c === 0x28 || c === 0x29 || c === 0x2f)) return undefined;
  }
  if (digits.length < 3 || digits.charCodeAt(0) === 48) return undefined;
  let code: CallingCode | null | undefined;
  let national = '';
  for (let n = 1; n <= 3 && n < digits.length; n++) {
    const cc = digits.slice(0, n);
    if (metadata.hasCallingCode(cc)) {
      code = callingCode(cc);
      national = digits.slice(n);
      break;
    }
  }
  // an unknown calling code is not a phone number; a non-geographic one is left to the library
  if (code === undefined) return false;
  if (code === null) return undefined;
  // a national prefix after the country code (`+44 (0)20 …`) is stripped under conditions the library decides
  if (code.prefix !== undefined && code.prefix.test(national)) return undefined;
  if (national.length < 2 || national.length > MAX_NATIONAL) return false;
  const plan = countryOf(code, national) ?? code.plans[0]!;
  if (possible) return plan.lengths === undefined || plan.lengths.includes(national.length);
  return plan.types !== undefined ? typed(plan, national) : plan.national.test(national);
}
