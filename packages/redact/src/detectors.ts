/**
 * @fileoverview The detectors: a pattern, a cheap pre-check so most strings skip the pattern, and a
 * validator where one exists (Luhn, mod-97, SSN ranges, libphonenumber, JWT header). Field-name
 * context (the JSON key or XML element a value sits under) drives PERSON, ADDRESS, DATE_OF_BIRTH and
 * secret-looking fields.
 */
import { RedactError } from './errors';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';
import {
  cardIssuer,
  entropy,
  IBAN_LENGTHS,
  ibanValid,
  ipv4Valid,
  ipv6Valid,
  jwtHeaderValid,
  luhn,
  plausibleBirthDate,
  ssnValid,
} from './validators';

export const PII_TYPES = [
  'EMAIL',
  'PHONE',
  'CREDIT_CARD',
  'IBAN',
  'US_SSN',
  'IP_ADDRESS',
  'URL',
  'DATE_OF_BIRTH',
  'PERSON',
  'ADDRESS',
  'JWT',
  'SECRET',
  'CREDENTIAL_URL',
  'PRIVATE_KEY',
] as const;
export type PiiType = (typeof PII_TYPES)[number];

/** Types found by pattern and validator (as opposed to field-name context): the accuracy targets apply to these. */
export const STRUCTURED_TYPES: readonly PiiType[] = [
  'EMAIL',
  'PHONE',
  'CREDIT_CARD',
  'IBAN',
  'US_SSN',
  'IP_ADDRESS',
  'JWT',
  'SECRET',
  'CREDENTIAL_URL',
  'PRIVATE_KEY',
];

/** Types detected unless `types` says otherwise (URL is opt-in: most URLs in API payloads are not personal). */
export const DEFAULT_TYPES: readonly string[] = PII_TYPES.filter((t) => t !== 'URL');

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
  /** Monotonic time (performance.now()) after which detection stops with `REDACT_TIMEOUT`. */
  deadline?: number;
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

interface Hit {
  start: number;
  end: number;
  score: number;
}

interface Ctx {
  /** The field name, normalized (lower case, no separators). */
  field: string;
  /** The parent's field name as given (normalized only when a detector asks). */
  parent: string;
  /** What the field name says (see the N_* bits), computed once per name. */
  names: number;
  defaultCountry: string | undefined;
  /** Reference date for birth dates (default: today). */
  now: Date | undefined;
  /** Count of ASCII digits in the text (pre-check for numeric detectors). */
  digits: number;
  /** The longest run of digits in a number-like notation (see scan). */
  run: number;
  /** Count of colons (an IPv6 address has `::` or at least six). */
  colons: number;
  /** Character classes present (one pass over the text): see the F_* flags. */
  flags: number;
}

const F_AT = 1;
const F_PLUS = 2;
const F_COLON = 4;
const F_DOT = 8;
const F_EQ = 16;
const F_DASH = 32;

interface Detector {
  id: string;
  type: PiiType;
  /** Higher wins when spans overlap. */
  priority: number;
  applies(text: string, ctx: Ctx): boolean;
  find(text: string, ctx: Ctx): Hit[];
}

/**
 * The time budget of the detection under way (see detectInto): detectors call {@link tick} in their
 * loops, so a budget stops work inside one long value, not only between values.
 */
let budgetDeadline = Infinity;
let budgetTicks = 0;

/** Throws REDACT_TIMEOUT once the budget is spent; reads the clock once every 256 calls. */
function tick(): void {
  if ((++budgetTicks & 255) === 0 && budgetDeadline !== Infinity && performance.now() > budgetDeadline) overBudget();
}

function overBudget(): never {
  throw new RedactError('REDACT_TIMEOUT', 'redaction did not finish within its time budget');
}

/** The matches of a global pattern that pass `check`, appended to `out` (no spread: lists can be long). */
function regexHits(re: RegExp, text: string, check: (m: RegExpExecArray) => number | false, out: Hit[] = []): Hit[] {
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    tick();
    const score = check(m);
    if (score !== false) out.push({ start: m.index, end: m.index + m[0].length, score });
    if (m[0].length === 0) re.lastIndex++;
  }
  return out;
}

/** A field name or context word compared without case and separators (`first_name` → `firstname`). */
const norm = (s: string): string => s.toLowerCase().replace(/[-_\s.]/g, '');

const EMAIL_RE =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;
const CRED_URL_RE = /\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}:\/\/[^\s:@/"'<>]+:[^\s@/"'<>]+@[^\s"'<>]+/g;
/** The server part of a connection string, and its password part (see connStringHits). */
const CONN_SERVER_RE = /(?<![A-Za-z])(?:server|host|data source|address|addr)\s*=/gi;
const CONN_PASSWORD_RE = /(?:password|pwd)\s*=\s*[^;"'<>\s]+;?/gi;
/** A JDBC URL (to the end of its run of URL characters), and a password parameter inside it. */
const JDBC_URL_RE = /\bjdbc:[a-z0-9]+:[^\s"'<>]*/gi;
const JDBC_PASSWORD_PARAM_RE = /[?&;](?:password|pwd)=[^&;\s"'<>]+/i;
const URL_RE = /\bhttps?:\/\/[^\s"'<>]+/g;
const JWT_RE = /(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{8,})\.([A-Za-z0-9_-]{8,})\.([A-Za-z0-9_-]{8,})\b/g;
const PRIVATE_KEY_BEGIN_RE = /-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----/g;
const SSN_RE = /(?<![\d-])(\d{3})-(\d{2})-(\d{4})(?![\d-])/g;
const SSN_PLAIN_RE = /(?<!\d)(\d{3})(\d{2})(\d{4})(?!\d)/g;
const CARD_RE = /(?<![\d-])\d(?:[ -]?\d){11,18}(?![\d])/g;
const IBAN_RE = /\b[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}\b/g;
const IPV4_RE = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.]*\d)/g;
const IPV6_RE =
  /(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{1,4}:){1,7}(?::|(?::[0-9A-Fa-f]{1,4}){1,7}|[0-9A-Fa-f]{1,4})(?:\.\d{1,3}){0,3}(?![0-9A-Fa-f:])|(?<![0-9A-Fa-f:])::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4}(?![0-9A-Fa-f:])/g;
const ISO_DATE_RE = /\b(\d{4})-(\d{2})-(\d{2})\b/g;
const DMY_DATE_RE = /\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b/g;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const TEXT_DATE_RE =
  /\b(?:(\d{1,2})(?:st|nd|rd|th)?\s+(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?,?\s+(\d{4})|(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4}))\b/gi;
const BIRTH_CONTEXT_RE = /\b(born|birth|birthday|d\.?o\.?b\.?|date of birth|geboren|né|née)\b/i;

/** Well-known secret formats, by issuer. */
const SECRET_PATTERNS: readonly {
  id: string;
  prefix: readonly string[];
  re: RegExp;
  check?: (m: string) => boolean;
}[] = [
  {
    id: 'aws-access-key-id',
    prefix: ['AKIA', 'ASIA', 'AGPA', 'AIDA', 'AROA', 'AIPA', 'ANPA', 'ANVA', 'APKA'],
    re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b/g,
  },
  { id: 'github-token', prefix: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'], re: /\bgh[pousr]_[A-Za-z0-9]{36,251}\b/g },
  { id: 'github-fine-grained-pat', prefix: ['github_pat_'], re: /\bgithub_pat_[A-Za-z0-9_]{50,255}\b/g },
  { id: 'gitlab-token', prefix: ['glpat-', 'gldt-', 'glrt-'], re: /\bgl(?:pat|dt|rt)-[A-Za-z0-9_-]{20,}\b/g },
  { id: 'slack-token', prefix: ['xox'], re: /\bxox[abposr]-(?:\d+-)?[A-Za-z0-9-]{10,}\b/g },
  {
    id: 'slack-webhook',
    prefix: ['hooks.slack.com'],
    re: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+/g,
  },
  {
    id: 'stripe-key',
    prefix: ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_', 'whsec_'],
    re: /\b(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9]{24,})\b/g,
  },
  { id: 'google-api-key', prefix: ['AIza'], re: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  {
    id: 'openai-key',
    prefix: ['sk-'],
    re: /\bsk-(?:proj-|svcacct-|admin-|ant-(?:api\d\d-)?)?[A-Za-z0-9_-]{20,}\b/g,
    check: (m) => /\d/.test(m) && /[A-Za-z]/.test(m.slice(3)) && m.length >= 32,
  },
  { id: 'azure-storage-key', prefix: ['AccountKey='], re: /AccountKey=[A-Za-z0-9+/]{60,}={0,2}/g },
  { id: 'azure-sas-signature', prefix: ['sig='], re: /[?&]sig=[A-Za-z0-9%+/]{30,}={0,2}/g },
  { id: 'bearer-token', prefix: ['Bearer ', 'bearer '], re: /\b[Bb]earer\s+[A-Za-z0-9\-._~+/]{16,}=*/g },
  { id: 'basic-auth', prefix: ['Basic ', 'basic '], re: /\b[Bb]asic\s+[A-Za-z0-9+/]{16,}={0,2}/g },
];

/** One pass that says whether any well-known secret prefix occurs at all. */
const SECRET_PREFIX_RE = new RegExp(
  [...new Set(SECRET_PATTERNS.flatMap((p) => p.prefix))].map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'),
);

const SECRET_FIELD_RE =
  /(secret|token|passw(or)?d|passwd|pwd|passphrase|apikey|accesskey|privatekey|clientsecret|credential|signature|authorization|sessionid|cookie|pin)$/;
const PASSWORD_FIELD_RE = /(passw(or)?d|passwd|pwd|passphrase|pin)$/;
const PERSON_FIELDS = new Set([
  'firstname',
  'lastname',
  'fullname',
  'givenname',
  'familyname',
  'surname',
  'middlename',
  'forename',
  'displayname',
  'cardholdername',
  'cardholder',
  'accountholder',
  'accountholdername',
  'holdername',
  'customername',
  'patientname',
  'employeename',
  'contactname',
  'personname',
  'maidenname',
  'nickname',
]);
const PERSON_PARENTS =
  /^(customer|user|person|patient|employee|contact|owner|holder|cardholder|passenger|guest|member|client|applicant|beneficiary|recipient|sender|payer|payee|buyer|seller|driver|student|author|traveller|traveler)s?$/;
const ADDRESS_FIELDS = new Set([
  'street',
  'streetaddress',
  'streetname',
  'addressline',
  'addressline1',
  'addressline2',
  'addressline3',
  'line1',
  'line2',
  'address',
  'address1',
  'address2',
  'postaladdress',
  'homeaddress',
  'billingaddress',
  'shippingaddress',
  'mailingaddress',
  'residentialaddress',
  'deliveryaddress',
  'fulladdress',
]);
const BIRTH_FIELDS = /^(dob|dateofbirth|birthdate|birthday|birthdt|birthdateutc|born|bdate|geburtsdatum)$/;
const NAME_VALUE_RE = /^[\p{L}][\p{L}'’.-]*(?:\s+[\p{L}][\p{L}'’.-]*){0,5}$/u;

const PHONE_FALLBACK_COUNTRIES: readonly CountryCode[] = ['US', 'GB', 'IN', 'DE', 'FR', 'LK', 'AU', 'CA'];

const PHONE_FIELD_RE = /(phone|mobile|cell|tel|fax|msisdn|contactnumber|whatsapp)/;
const SSN_FIELD_RE = /(ssn|socialsecurity|taxpayerid|tin)/;
const NOT_IP_FIELD_RE = /version|ver$|semver|build|release|oid|sku/;

// What a (normalized) field name says, as bits: computed once per name, read by every detector.
const N_SECRET = 1;
const N_PASSWORD = 2;
const N_PERSON = 4;
const N_NAME = 8;
const N_ADDRESS = 16;
const N_BIRTH = 32;
const N_PHONE = 64;
const N_SSN = 128;
const N_NOT_IP = 256;
const N_PERSON_PARENT = 512;

const fieldCache = new Map<string, { norm: string; bits: number }>();
/** A field name normalized, with the N_* bits of what it says; one lookup per value. */
function fieldInfo(name: string): { norm: string; bits: number } {
  let info = fieldCache.get(name);
  if (info === undefined) {
    const field = norm(name);
    const bits =
      (field !== '' && SECRET_FIELD_RE.test(field) ? N_SECRET : 0) |
      (PASSWORD_FIELD_RE.test(field) ? N_PASSWORD : 0) |
      (PERSON_FIELDS.has(field) ? N_PERSON : 0) |
      (field === 'name' ? N_NAME : 0) |
      (ADDRESS_FIELDS.has(field) ? N_ADDRESS : 0) |
      (BIRTH_FIELDS.test(field) ? N_BIRTH : 0) |
      (PHONE_FIELD_RE.test(field) ? N_PHONE : 0) |
      (SSN_FIELD_RE.test(field) ? N_SSN : 0) |
      (NOT_IP_FIELD_RE.test(field) ? N_NOT_IP : 0) |
      (PERSON_PARENTS.test(field) ? N_PERSON_PARENT : 0);
    info = { norm: field, bits };
    if (fieldCache.size < 10_000) fieldCache.set(name, info);
  }
  return info;
}
const NO_FIELD = fieldInfo('');

/**
 * PEM private-key blocks. Each BEGIN marker looks for its END marker once: a label whose END is
 * missing is not looked for again, so the work stays linear in the text (a pattern with a lazy
 * `[\s\S]*?` would scan to the end of the text from every BEGIN).
 */
function privateKeyHits(t: string): Hit[] {
  const out: Hit[] = [];
  const missing = new Set<string>();
  const re = PRIVATE_KEY_BEGIN_RE;
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    tick();
    const label = m[1]!;
    if (missing.has(label)) continue;
    const endMarker = `-----END ${label}-----`;
    const at = t.indexOf(endMarker, m.index + m[0].length);
    if (at < 0) {
      missing.add(label);
      continue;
    }
    out.push({ start: m.index, end: at + endMarker.length, score: 1 });
    re.lastIndex = at + endMarker.length;
  }
  return out;
}

/** All matches of a global pattern as [start, end) pairs. */
function spans(re: RegExp, t: string): number[] {
  const out: number[] = [];
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    tick();
    out.push(m.index, m.index + m[0].length);
    if (m[0].length === 0) re.lastIndex++;
  }
  return out;
}

/**
 * ADO/ODBC-style connection strings with a password: `Server=…;…;Password=…`, from the server key to
 * the end of the first password after its `;`, within one run free of quotes and angle brackets.
 * Server keys, passwords, semicolons and quotes are each found in one pass and merged with forward-only
 * cursors, so the cost is linear in the text.
 */
function connStringHits(t: string): Hit[] {
  const servers = spans(CONN_SERVER_RE, t);
  if (servers.length === 0) return [];
  const passwords = spans(CONN_PASSWORD_RE, t);
  if (passwords.length === 0) return [];
  const out: Hit[] = [];
  let semi = -1; // the first ';' at or after the cursor
  let barrier = -1; // the first quote or angle bracket at or after the cursor
  let pi = 0;
  let pos = 0;
  const nextOf = (from: number, test: (c: number) => boolean): number => {
    for (let i = from; i < t.length; i++) if (test(t.charCodeAt(i))) return i;
    return t.length;
  };
  const isBarrier = (c: number): boolean => c === 0x22 || c === 0x27 || c === 0x3c || c === 0x3e;
  for (let si = 0; si < servers.length; si += 2) {
    const start = servers[si]!;
    const eqEnd = servers[si + 1]!;
    if (start < pos) continue;
    if (barrier < start) barrier = nextOf(start, isBarrier);
    if (semi < eqEnd) semi = nextOf(eqEnd, (c) => c === 0x3b);
    if (semi >= barrier) continue;
    while (pi < passwords.length && passwords[pi]! <= semi) pi += 2;
    if (pi >= passwords.length) break;
    if (passwords[pi]! >= barrier) continue;
    out.push({ start, end: passwords[pi + 1]!, score: 0.9 });
    pos = passwords[pi + 1]!;
    pi += 2;
  }
  return out;
}

/** JDBC URLs that carry a password parameter: the whole URL (to the end of its run of URL characters). */
function jdbcHits(t: string): Hit[] {
  return regexHits(JDBC_URL_RE, t, (m) => (JDBC_PASSWORD_PARAM_RE.test(m[0]) ? 0.9 : false));
}

/** Phone-number candidates: international (`+` or `00`) anywhere; national ones only where a region is known. */
const INTL_PHONE_RE = /(?<![\w+])(?:\+|00)\d[\d\s().\-/]{5,22}\d(?!\d)/g;
const NATIONAL_PHONE_RE = /(?<![\w+])\(?\d[\d\s().\-/]{5,18}\d(?!\d)/g;

function parsePhone(candidate: string, country?: CountryCode): boolean {
  const p = parsePhoneNumberFromString(candidate, country ? { defaultCountry: country } : undefined);
  return p !== undefined && p.isValid();
}

function phoneHits(text: string, ctx: Ctx): Hit[] {
  const phoneField = (ctx.names & N_PHONE) !== 0;
  const countries: readonly CountryCode[] = ctx.defaultCountry
    ? [ctx.defaultCountry as CountryCode]
    : phoneField
      ? PHONE_FALLBACK_COUNTRIES
      : [];
  const hits: Hit[] = [];
  // libphonenumber signals an unparsable candidate by throwing internally; without stack traces that is cheap
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    INTL_PHONE_RE.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = INTL_PHONE_RE.exec(text)) !== null) {
      tick();
      const raw = m[0];
      if (parsePhone(raw.startsWith('00') ? `+${raw.slice(2)}` : raw))
        hits.push({ start: m.index, end: m.index + raw.length, score: 0.95 });
    }
    if (countries.length > 0) {
      NATIONAL_PHONE_RE.lastIndex = 0;
      // the international hits are in text order: one forward cursor finds the ones a candidate meets
      const intl = hits.length;
      let k = 0;
      while ((m = NATIONAL_PHONE_RE.exec(text)) !== null) {
        tick();
        const start = m.index;
        const end = start + m[0].length;
        while (k < intl && hits[k]!.end <= start) k++;
        if (k < intl && hits[k]!.start < end) continue;
        if (countries.some((c) => parsePhone(m![0], c))) hits.push({ start, end, score: phoneField ? 0.95 : 0.85 });
      }
    }
  } finally {
    Error.stackTraceLimit = limit;
  }
  return hits;
}

/** An IPv6 address is written with `::` or with at least six colons (seven, or six before an IPv4 tail). */
const maybeIpv6 = (t: string, c: Ctx): boolean => c.colons >= 6 || (c.colons >= 2 && t.includes('::'));

/** A card-number candidate: one kind of separator, Luhn, a known issuer; not part of a phone number or IBAN. */
function cardScore(t: string, index: number, match: string): number | false {
  let digits = '';
  let sep = 0;
  for (let i = 0; i < match.length; i++) {
    const c = match.charCodeAt(i);
    if (c >= 48 && c <= 57) digits += match[i];
    else if (sep === 0) sep = c;
    else if (c !== sep) return false;
  }
  if (!luhn(digits) || cardIssuer(digits) === undefined) return false;
  // digits of an international phone number or of an IBAN (after its country code, or after its
  // check digits) are not a card
  const before = t.slice(Math.max(0, index - 6), index);
  if (/\+\s*$/.test(before) || /[A-Za-z]{2}(?:\d{2} ?)?$/.test(before)) return false;
  return 0.97;
}

function dateHits(text: string, c: Ctx): Hit[] {
  const birthField = (c.names & N_BIRTH) !== 0;
  if (!birthField && !BIRTH_CONTEXT_RE.test(text)) return [];
  const ctx = { ...c, now: c.now ?? new Date() };
  const out: Hit[] = [];
  const near = (start: number): boolean =>
    birthField || BIRTH_CONTEXT_RE.test(text.slice(Math.max(0, start - 40), start));
  for (const h of regexHits(ISO_DATE_RE, text, (m) =>
    plausibleBirthDate(+m[1]!, +m[2]!, +m[3]!, ctx.now) && near(m.index) ? 0.9 : false,
  ))
    out.push(h);
  for (const h of regexHits(DMY_DATE_RE, text, (m) => {
    const a = +m[1]!;
    const b = +m[2]!;
    const y = +m[3]!;
    return (plausibleBirthDate(y, b, a, ctx.now) || plausibleBirthDate(y, a, b, ctx.now)) && near(m.index)
      ? 0.85
      : false;
  }))
    out.push(h);
  for (const h of regexHits(TEXT_DATE_RE, text, (m) => {
    const day = +(m[1] ?? m[5]!);
    const month = MONTHS.indexOf((m[2] ?? m[4]!).slice(0, 3).toLowerCase()) + 1;
    const year = +(m[3] ?? m[6]!);
    return plausibleBirthDate(year, month, day, ctx.now) && near(m.index) ? 0.85 : false;
  }))
    out.push(h);
  return out;
}

const DETECTORS: readonly Detector[] = [
  {
    id: 'private-key-block',
    type: 'PRIVATE_KEY',
    priority: 100,
    applies: (t, c) => (c.flags & F_DASH) !== 0 && t.length >= 60 && t.includes('PRIVATE KEY'),
    find: privateKeyHits,
  },
  {
    id: 'jwt',
    type: 'JWT',
    priority: 95,
    applies: (t, c) => (c.flags & F_DOT) !== 0 && t.length >= 30 && t.includes('eyJ'),
    find: (t) => regexHits(JWT_RE, t, (m) => (jwtHeaderValid(m[1]!) ? 0.99 : false)),
  },
  {
    id: 'credential-url',
    type: 'CREDENTIAL_URL',
    priority: 90,
    applies: (t, c) =>
      ((c.flags & (F_AT | F_COLON)) === (F_AT | F_COLON) && t.includes('://')) ||
      ((c.flags & F_EQ) !== 0 && /password|pwd/i.test(t)),
    find: (t) => [...regexHits(CRED_URL_RE, t, () => 0.95), ...connStringHits(t), ...jdbcHits(t)],
  },
  {
    id: 'secret-format',
    type: 'SECRET',
    priority: 85,
    applies: (t) => t.length >= 16 && SECRET_PREFIX_RE.test(t),
    find: (t) => {
      const out: Hit[] = [];
      for (const p of SECRET_PATTERNS) {
        if (!p.prefix.some((x) => t.includes(x))) continue;
        regexHits(p.re, t, (m) => (p.check && !p.check(m[0]) ? false : 0.99), out);
      }
      return out;
    },
  },
  {
    id: 'secret-field',
    type: 'SECRET',
    priority: 84,
    applies: (_t, c) => (c.names & N_SECRET) !== 0,
    find: (t, c) => {
      const value = t.trim();
      if (value === '' || /^(true|false|null|none|n\/a|\*+|<[A-Z_]+>|x+)$/i.test(value)) return [];
      if ((c.names & N_PASSWORD) !== 0)
        return [{ start: t.indexOf(value), end: t.indexOf(value) + value.length, score: 0.95 }];
      if (value.length < 12 || /\s/.test(value) || entropy(value) < 3.0) return [];
      return [{ start: t.indexOf(value), end: t.indexOf(value) + value.length, score: 0.9 }];
    },
  },
  {
    id: 'iban',
    type: 'IBAN',
    priority: 80,
    applies: (t, c) => c.digits >= 8 && t.length >= 15,
    find: (t) => {
      const out: Hit[] = [];
      IBAN_RE.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = IBAN_RE.exec(t)) !== null) {
        tick();
        // the pattern may run into following words: cut at the country's IBAN length
        const want = IBAN_LENGTHS[m[0].slice(0, 2).toUpperCase()];
        if (want !== undefined) {
          let count = 0;
          let end = m.index;
          while (end < m.index + m[0].length && count < want) {
            if (t[end] !== ' ') count++;
            end++;
          }
          const candidate = t.slice(m.index, end);
          const next = t.charCodeAt(end);
          const boundary = Number.isNaN(next) || !/[A-Za-z0-9]/.test(t[end]!) || (t[end - 1] !== ' ' && t[end] === ' ');
          if (count === want && boundary && ibanValid(candidate.replace(/ /g, '').toUpperCase())) {
            out.push({ start: m.index, end, score: 0.99 });
            IBAN_RE.lastIndex = end;
          }
        }
      }
      return out;
    },
  },
  {
    id: 'credit-card',
    type: 'CREDIT_CARD',
    priority: 75,
    applies: (_t, c) => c.run >= 12,
    find: (t) => regexHits(CARD_RE, t, (m) => cardScore(t, m.index, m[0])),
  },
  {
    id: 'us-ssn',
    type: 'US_SSN',
    priority: 70,
    applies: (_t, c) => c.run >= 9,
    find: (t, c) => {
      const hits = regexHits(SSN_RE, t, (m) => (ssnValid(m[1]!, m[2]!, m[3]!) ? 0.9 : false));
      if ((c.names & N_SSN) !== 0) {
        regexHits(SSN_PLAIN_RE, t, (m) => (ssnValid(m[1]!, m[2]!, m[3]!) ? 0.85 : false), hits);
      }
      return hits;
    },
  },
  {
    id: 'email',
    type: 'EMAIL',
    priority: 65,
    applies: (_t, c) => (c.flags & F_AT) !== 0,
    find: (t) =>
      regexHits(EMAIL_RE, t, (m) =>
        m[0].includes('..') || m[0].startsWith('.') || m[0].includes('.@') ? false : 0.97,
      ),
  },
  {
    id: 'phone',
    type: 'PHONE',
    priority: 60,
    applies: (t, c) =>
      c.run >= 7 &&
      ((c.flags & F_PLUS) !== 0 || c.defaultCountry !== undefined || (c.names & N_PHONE) !== 0 || t.includes('00')),
    find: phoneHits,
  },
  {
    id: 'ip-address',
    type: 'IP_ADDRESS',
    priority: 55,
    applies: (t, c) => (c.digits >= 4 && (c.flags & F_DOT) !== 0) || maybeIpv6(t, c),
    find: (t, c) => {
      if ((c.names & N_NOT_IP) !== 0) return [];
      const out = regexHits(IPV4_RE, t, (m) =>
        ipv4Valid(m[0]) &&
        !/\b(v|ver|version|build|release|rev)\.?\s*[:=#]?\s*$/i.test(t.slice(Math.max(0, m.index - 12), m.index))
          ? 0.9
          : false,
      );
      if (maybeIpv6(t, c))
        regexHits(IPV6_RE, t, (m) => (m[0].split(':').length >= 3 && ipv6Valid(m[0]) ? 0.9 : false), out);
      return out;
    },
  },
  {
    id: 'date-of-birth',
    type: 'DATE_OF_BIRTH',
    priority: 50,
    applies: (_t, c) => c.digits >= 4,
    find: dateHits,
  },
  {
    id: 'url',
    type: 'URL',
    priority: 40,
    applies: (t, c) => (c.flags & F_COLON) !== 0 && t.includes('://'),
    find: (t) => regexHits(URL_RE, t, () => 0.9),
  },
  {
    id: 'person-field',
    type: 'PERSON',
    priority: 30,
    applies: (_t, c) =>
      (c.names & N_PERSON) !== 0 || ((c.names & N_NAME) !== 0 && (fieldInfo(c.parent).bits & N_PERSON_PARENT) !== 0),
    find: (t) => {
      const value = t.trim();
      if (value.length > 80 || !NAME_VALUE_RE.test(value)) return [];
      const start = t.indexOf(value);
      return [{ start, end: start + value.length, score: 0.85 }];
    },
  },
  {
    id: 'address-field',
    type: 'ADDRESS',
    priority: 30,
    applies: (_t, c) => (c.names & N_ADDRESS) !== 0,
    find: (t) => {
      const value = t.trim();
      if (value.length < 4 || !/\p{L}/u.test(value)) return [];
      const start = t.indexOf(value);
      return [{ start, end: start + value.length, score: 0.8 }];
    },
  },
];

const enabledCache = new WeakMap<readonly string[], readonly Detector[]>();
function enabledDetectors(types: readonly string[]): readonly Detector[] {
  let list = enabledCache.get(types);
  if (!list) {
    list = DETECTORS.filter((d) => types.includes(d.type));
    enabledCache.set(types, list);
  }
  return list;
}

/**
 * Digits, the longest run of digits (separated only by spaces, brackets, dots, dashes, slashes or
 * non-ASCII characters, as in card, phone and SSN numbers), colons and character-class flags, in one pass.
 */
function scan(t: string, ctx: Ctx): void {
  let n = 0;
  let f = 0;
  let colons = 0;
  let run = 0;
  let longest = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      n++;
      if (++run > longest) longest = run;
      continue;
    }
    if (c === 0x40) f |= F_AT;
    else if (c === 0x2b) f |= F_PLUS;
    else if (c === 0x3a) {
      f |= F_COLON;
      colons++;
    } else if (c === 0x3d) f |= F_EQ;
    else if (c === 0x2e) f |= F_DOT;
    else if (c === 0x2d) f |= F_DASH;
    else if (!(c <= 0x20 || c === 0x28 || c === 0x29 || c === 0x2f || c >= 0x80)) run = 0;
  }
  ctx.digits = n;
  ctx.run = longest;
  ctx.flags = f;
  ctx.colons = colons;
}

const compiledCustom = new WeakMap<CustomDetector, RegExp>();

function customHits(d: CustomDetector, text: string, field: string): Hit[] {
  let re = compiledCustom.get(d);
  if (!re) {
    const flags = d.flags ?? '';
    re = new RegExp(d.pattern, flags.includes('g') ? flags : `${flags}g`);
    compiledCustom.set(d, re);
  }
  const ctxWords = d.context?.map((w) => w.toLowerCase());
  const ctxNames = ctxWords?.map(norm);
  return regexHits(re, text, (m) => {
    if (d.validator === 'luhn' && !luhn(m[0].replace(/\D/g, ''))) return false;
    if (d.validator === 'mod97' && !ibanValid(m[0].replace(/ /g, '').toUpperCase())) return false;
    if (typeof d.validator === 'function' && !d.validator(m[0])) return false;
    if (ctxWords && ctxWords.length > 0) {
      const before = text.slice(Math.max(0, m.index - 40), m.index).toLowerCase();
      if (!ctxWords.some((w, i) => field.includes(ctxNames![i]!) || before.includes(w))) return false;
    }
    return d.score ?? 0.9;
  });
}

/**
 * Finds PII and secrets in `text`. Findings carry the type, the span (UTF-16, end-exclusive), the
 * detector and a score; never the matched value. Overlaps go to the more specific type.
 */
export function detect(text: string, opts: DetectOptions = {}): Finding[] {
  const out: Finding[] = [];
  detectInto(text, opts, out);
  return out;
}

/**
 * {@link detect}, appending the findings to `sink` in text order, each with `path` when one is given
 * (a function is called once, on the first finding). Returns how many were appended.
 * @internal for the redaction engine, which keeps one list per body
 */
export function detectInto(text: string, opts: DetectOptions, sink: Finding[], path?: string | (() => string)): number {
  if (text.length === 0) return 0;
  if (opts.deadline === undefined) return detectWithin(text, opts, sink, path);
  budgetDeadline = opts.deadline;
  try {
    return detectWithin(text, opts, sink, path);
  } finally {
    budgetDeadline = Infinity;
  }
}

function detectWithin(text: string, opts: DetectOptions, sink: Finding[], path?: string | (() => string)): number {
  const types = opts.types ?? DEFAULT_TYPES;
  const field = opts.fieldName ? fieldInfo(opts.fieldName) : NO_FIELD;
  const ctx: Ctx = {
    field: field.norm,
    parent: opts.parentName ?? '',
    names: field.bits,
    defaultCountry: opts.defaultCountry,
    now: opts.now,
    digits: 0,
    run: 0,
    flags: 0,
    colons: 0,
  };
  scan(text, ctx);
  // a short value without digits or the characters any pattern needs, under a field name that says
  // nothing, can hold no finding (see the applies() of each detector): most enums and words end here
  if (
    ctx.names === 0 &&
    ctx.digits < 4 &&
    (ctx.flags & (F_AT | F_COLON | F_EQ | F_DASH)) === 0 &&
    text.length < 16 &&
    opts.custom === undefined
  )
    return 0;
  const minScore = opts.minScore ?? 0.5;
  // candidates are built field by field (an object spread here costs about a microsecond)
  let candidates: Candidate[] | undefined;
  // long values read the clock before each detector too (a detector's loop ticks only per match)
  const timed = budgetDeadline !== Infinity && text.length > 4096;
  for (const d of enabledDetectors(types)) {
    if (timed && performance.now() > budgetDeadline) overBudget();
    if (!d.applies(text, ctx)) continue;
    for (const h of d.find(text, ctx))
      if (h.score >= minScore && h.end > h.start)
        (candidates ??= []).push({
          start: h.start,
          end: h.end,
          score: h.score,
          type: d.type,
          detector: d.id,
          priority: d.priority,
        });
  }
  if (opts.custom) {
    for (const c of opts.custom) {
      if (timed && performance.now() > budgetDeadline) overBudget();
      for (const h of customHits(c, text, ctx.field))
        if (h.score >= minScore && h.end > h.start)
          (candidates ??= []).push({
            start: h.start,
            end: h.end,
            score: h.score,
            type: c.type,
            detector: `custom:${c.type}`,
            priority: 88,
          });
    }
  }
  if (candidates === undefined) return 0;
  const at = path === undefined ? undefined : typeof path === 'string' ? path : path();
  if (candidates.length === 1) {
    sink.push(finding(candidates[0]!, at));
    return 1;
  }
  candidates.sort((a, b) => b.priority - a.priority || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept = resolveOverlaps(candidates, text.length);
  for (const k of kept) sink.push(finding(k, at));
  return kept.length;
}

/**
 * Keeps, from candidates sorted by precedence, each one that overlaps none kept before it; returns them
 * in text order. Few candidates are compared pairwise; many mark the characters they cover, so the cost
 * stays linear in the text (each detector's own matches never overlap, so every character is marked at
 * most once per detector).
 */
function resolveOverlaps(candidates: readonly Candidate[], length: number): Candidate[] {
  const kept: Candidate[] = [];
  if (candidates.length <= 32) {
    for (const c of candidates) if (!kept.some((k) => c.start < k.end && k.start < c.end)) kept.push(c);
  } else {
    const covered = new Uint8Array(length);
    for (const c of candidates) {
      let free = true;
      for (let i = c.start; i < c.end; i++)
        if (covered[i] === 1) {
          free = false;
          break;
        }
      if (!free) continue;
      covered.fill(1, c.start, c.end);
      kept.push(c);
    }
  }
  return kept.sort((a, b) => a.start - b.start);
}

interface Candidate extends Hit {
  type: string;
  detector: string;
  priority: number;
}

const finding = (c: Candidate, path: string | undefined): Finding =>
  path === undefined
    ? { type: c.type, start: c.start, end: c.end, score: c.score, detector: c.detector }
    : { type: c.type, start: c.start, end: c.end, score: c.score, detector: c.detector, path };

/**
 * Declares a detector in code: checks it at once (the pattern must compile and must not match the
 * empty string) so a mistake fails at start-up, not on the first message.
 * @example defineDetector({ type: 'EMPLOYEE_ID', pattern: 'EMP-\\d{6}', validator: (m) => m !== 'EMP-000000', context: ['employee'] })
 */
export function defineDetector(d: CustomDetector): CustomDetector {
  if (!/^[A-Z][A-Z0-9_]*$/.test(d.type))
    throw new TypeError(`defineDetector: type ${JSON.stringify(d.type)} must be UPPER_SNAKE_CASE`);
  let re: RegExp;
  try {
    re = new RegExp(d.pattern, (d.flags ?? '').replace('g', ''));
  } catch (err) {
    throw new TypeError(`defineDetector(${d.type}): the pattern does not compile: ${(err as Error).message}`);
  }
  if (re.test('')) throw new TypeError(`defineDetector(${d.type}): the pattern matches the empty string`);
  return Object.freeze({ ...d });
}
