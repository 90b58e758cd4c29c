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
import { secretRuleHits } from './secretRules';
import { internationalPhone } from './phonePlans';

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
  /** Region for phone numbers written without `+` (ISO 3166 alpha-2, e.g. `US`): tried first, alone when `phoneRegions` is not given. */
  defaultCountry?: string;
  /**
   * Regions whose national formats are recognised (ISO 3166 alpha-2; default {@link DEFAULT_PHONE_REGIONS}).
   * A national number counts when it is valid for one of them and is written as a phone number
   * (grouped as one, or under a phone field, or after a word such as `call` or `tel`).
   */
  phoneRegions?: readonly string[];
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
  /** The options of the call (phone regions are read from them when a national candidate is met). */
  opts: DetectOptions;
  /** The field name, normalized (lower case, no separators). */
  field: string;
  /** The parent's field name as given (normalized only when a detector asks). */
  parent: string;
  /** What the field name says (see the N_* bits), computed once per name. */
  names: number;
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
const F_HIGH = 64;
/**
 * A run of 20 or more characters without spaces, quotes or angle brackets that has a lower-case letter
 * outside a–f: tokens, keys in assignments, URLs with credentials. Hex-only runs (UUIDs, hashes),
 * timestamps and email addresses (an '@' without a ':') do not qualify; the formats made of those
 * carry a prefix the built-in patterns know.
 */
const F_TOKEN = 128;
/** Lengths, digit counts and digit runs reached (set from scan's counts: see facts()). */
const L8 = 1 << 8;
const L15 = 1 << 9;
const L16 = 1 << 10;
const L20 = 1 << 11;
const L30 = 1 << 12;
const L33 = 1 << 13;
const L60 = 1 << 14;
const D4 = 1 << 15;
const D8 = 1 << 16;
const R7 = 1 << 17;
const R9 = 1 << 18;
const R12 = 1 << 19;

/** The F_* flags of a scanned text with its length, digit and run bits. */
function facts(t: string, c: Ctx): number {
  const n = t.length;
  return (
    c.flags |
    (n >= 8 ? L8 : 0) |
    (n >= 15 ? L15 : 0) |
    (n >= 16 ? L16 : 0) |
    (n >= 20 ? L20 : 0) |
    (n >= 30 ? L30 : 0) |
    (n >= 33 ? L33 : 0) |
    (n >= 60 ? L60 : 0) |
    (c.digits >= 4 ? D4 : 0) |
    (c.digits >= 8 ? D8 : 0) |
    (c.run >= 7 ? R7 : 0) |
    (c.run >= 9 ? R9 : 0) |
    (c.run >= 12 ? R12 : 0)
  );
}

interface Detector {
  id: string;
  type: PiiType;
  /** Higher wins when spans overlap. */
  priority: number;
  /**
   * What applies() needs, as bits checked before it is called (each a necessary condition): all of
   * `all` (facts), one of `any` (facts) unless 0, one of `names` (N_* bits) unless 0.
   */
  all: number;
  any: number;
  names: number;
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
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:[A-Za-z]{2,24}|xn--[A-Za-z0-9-]{2,59})(?![A-Za-z0-9-])/g;
/** The same with internationalised local parts and domains (RFC 6531 / IDNA): used when the text has non-ASCII characters. */
const IDN_EMAIL_RE =
  /(?<![\p{L}\p{M}\p{N}._%+-])[\p{L}\p{N}][\p{L}\p{M}\p{N}._%+-]{0,63}@(?:[\p{L}\p{N}](?:[\p{L}\p{M}\p{N}-]{0,61}[\p{L}\p{M}\p{N}])?\.)+(?:\p{L}[\p{L}\p{M}]{1,23}|xn--[A-Za-z0-9-]{2,59})(?![\p{L}\p{M}\p{N}-])/gu;
const CRED_URL_RE = /\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}:\/\/[^\s:@/"'<>]+:[^\s@/"'<>]+@[^\s"'<>]+/g;
/** The server part of a connection string, and its password part (see connStringHits). */
const CONN_SERVER_RE = /(?<![A-Za-z])(?:server|host|data source|address|addr)\s*=/gi;
const CONN_PASSWORD_RE = /(?:password|pwd)\s*=\s*[^;"'<>\s]+;?/gi;
/** A JDBC URL (to the end of its run of URL characters), and a password parameter inside it. */
const JDBC_URL_RE = /\bjdbc:[a-z0-9]+:[^\s"'<>]*/gi;
const JDBC_PASSWORD_PARAM_RE = /[?&;](?:password|pwd)=[^&;\s"'<>]+/i;
const URL_RE = /\bhttps?:\/\/[^\s"'<>]+/g;
const JWT_RE = /(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{8,})\.([A-Za-z0-9_-]{8,})\.([A-Za-z0-9_-]{8,})\b/g;
/** A PEM (or SSH2) armour line of private-key material, whatever its label; BEGIN and END are found separately. */
const PRIVATE_KEY_ARMOUR_RE = /-{4,5} ?(BEGIN|END) ([A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)? ?-{4,5}/g;
const SSN_RE = /(?<![\d-])(\d{3})-(\d{2})-(\d{4})(?![\d-])/g;
const SSN_PLAIN_RE = /(?<!\d)(\d{3})(\d{2})(\d{4})(?!\d)/g;
/** Card numbers: 12–19 digits, grouped with spaces, dashes or dots; letters or a reference may come right before. */
const CARD_RE = /(?<!\d)(?<!\d[ .-])\d(?:[ .-]?\d){11,22}(?!\d)/g;
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
  { id: 'azure-storage-key', prefix: ['AccountKey='], re: /AccountKey=[A-Za-z0-9+/]{60,}={0,2}/g },
  { id: 'azure-sas-signature', prefix: ['sig='], re: /[?&]sig=[A-Za-z0-9%+/]{30,}={0,2}/g },
  {
    id: 'tailscale-key',
    prefix: ['tskey-'],
    re: /\btskey-(?:auth|api|client|scim|webhook)?-?[A-Za-z0-9]{6,}-[A-Za-z0-9]{20,}\b/g,
  },
  { id: 'bearer-token', prefix: ['Bearer ', 'bearer '], re: /\b[Bb]earer\s+[A-Za-z0-9\-._~+/]{16,}=*/g },
  { id: 'basic-auth', prefix: ['Basic ', 'basic '], re: /\b[Bb]asic\s+[A-Za-z0-9+/]{16,}={0,2}/g },
];

/** One pass that says whether any well-known secret prefix occurs at all. */
const SECRET_PREFIX_RE = new RegExp(
  [...new Set(SECRET_PATTERNS.flatMap((p) => p.prefix))].map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'),
);

/**
 * Whether a secret-shaped value is a placeholder or a key vendors publish for documentation and tests
 * (`AKIAIOSFODNN7EXAMPLE`, `<your-token>`, `${TOKEN}`, `$(DB_PASS)`, `ops_DUMMY…`): not a secret.
 * Runs of `x` and words like `Example` inside a token are not taken for placeholders: the maintained
 * rule sets' known-bad fixtures treat `hf_xxxx…` and `dckr_pat_Example…` as tokens, and redacting a
 * placeholder costs nothing.
 */
export function placeholderSecret(value: string): boolean {
  if (
    /DUMMY|[Dd]ummy|FAKE|[Yy]our[_-]?(?:api[_-]?)?(?:key|token|secret|password)|<[^>]*>|\$\{[^}]*\}|\$\([^)]*\)|\{\{[^}]*\}\}|%s\b/.test(
      value,
    )
  )
    return true;
  return PUBLISHED_TEST_KEYS.has(value);
}

/** Keys published in vendors' documentation for use in examples and tests. */
const PUBLISHED_TEST_KEYS = new Set([
  'AKIAIOSFODNN7EXAMPLE',
  'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
  'pk_test_TYooMQauvdEDq54NiTphI7jx',
  'sk_test_BQokikJOvBiI2HlWgH4olfQ2',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
]);

/** A user:password in a URL that documentation writes, not a credential (`https://user:pass@host`). */
const PLACEHOLDER_PASSWORD_RE =
  /^(?:pass|passwd|password|pwd|secret|changeit|\*+|x+|\.{3}|.{1,3}|(.)\1*|<[^>]*>|\$\{[^}]*\}|\$\([^)]*\)|\$[A-Z_]+|\{[^}]*\}|%s|\[[^\]]*\]|:?[a-z_]*password[a-z_]*)$/i;

/** Whether a `scheme://user:password@host` has a documentation password (see PLACEHOLDER_PASSWORD_RE). */
function placeholderCredentials(url: string): boolean {
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^:@/\s]*):([^@\s]*)@/.exec(url);
  return m !== null && (PLACEHOLDER_PASSWORD_RE.test(m[2]!) || placeholderSecret(m[2]!));
}

/** Query and path parameters that carry a credential (`?access_token=…`, `;jsessionid=…`, `&X-Amz-Signature=…`). */
const URL_SECRET_PARAM_RE =
  /[?&#;](access_token|id_token|refresh_token|auth_token|api_key|apikey|api-key|client_secret|password|passwd|pwd|secret|token|signature|sig|x-amz-signature|x-amz-security-token|x-goog-signature|jsessionid|phpsessid|sessionid|session_id|sid|key|code|auth)=([^&#;\s"'<>]+)/gi;
/** Names whose value is a credential even when short; the rest need a token-like value. */
const STRONG_PARAM_RE =
  /^(?:access_token|id_token|refresh_token|auth_token|api_key|apikey|api-key|client_secret|password|passwd|pwd|secret|x-amz-security-token)$/i;

/** `name=value` pairs in a cookie string whose name says session or authentication. */
const SESSION_COOKIE_RE =
  /(?:^|[;,\s])((?:[A-Za-z0-9_.-]*(?:sess|sid|auth|token|remember|csrf|xsrf|login|jwt)[A-Za-z0-9_.-]*|ASP\.NET_SessionId|AWSALB(?:CORS)?)=)([^;,\s"']{16,})/gi;

/** A vendor-prefixed token (`dop_v1_…`, `nfp_…`, `tskey-…`): a short lower-case prefix, then 30+ random characters. */
const PREFIXED_TOKEN_RE =
  /(?<![A-Za-z0-9_-])[a-z][a-z0-9]{1,9}(?:[_-][a-z0-9]{1,8})?[_-]([A-Za-z0-9]{30,})(?![A-Za-z0-9_-])/g;

/** A random-looking token body: letters and digits mixed, high entropy. */
function tokenLike(body: string, minEntropy: number): boolean {
  return /\d/.test(body) && /[A-Za-z]/.test(body) && entropy(body) >= minEntropy;
}

function urlSecretHits(t: string): Hit[] {
  return regexHits(URL_SECRET_PARAM_RE, t, () => 0.9).flatMap((h) => {
    // the value only (the parameter name stays readable)
    const text = t.slice(h.start, h.end);
    const eq = text.indexOf('=');
    const name = text.slice(1, eq);
    const value = text.slice(eq + 1);
    const strong = STRONG_PARAM_RE.test(name);
    if (placeholderSecret(value) || PLACEHOLDER_PASSWORD_RE.test(value)) return [];
    if (strong ? value.length < 6 : value.length < 16 || !tokenLike(value, 3.0)) return [];
    return [{ start: h.start + eq + 1, end: h.end, score: strong ? 0.9 : 0.85 }];
  });
}

function sessionCookieHits(t: string): Hit[] {
  const out: Hit[] = [];
  SESSION_COOKIE_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = SESSION_COOKIE_RE.exec(t)) !== null) {
    tick();
    const value = m[2]!;
    if (!tokenLike(value, 3.0) || placeholderSecret(value)) continue;
    const start = m.index + m[0].length - value.length;
    out.push({ start, end: start + value.length, score: 0.85 });
  }
  return out;
}

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

const PHONE_FIELD_RE = /(phone|mobile|cell|tel|fax|msisdn|contactnumber|whatsapp)/;
const SSN_FIELD_RE = /(ssn|socialsecurity|taxpayerid|tin)/;
const NOT_IP_FIELD_RE = /version|ver$|semver|build|release|oid|sku/;
/** Field names that say a number is something other than a phone number. */
const NOT_PHONE_FIELD_RE =
  /(zip|zipcode|postcode|postalcode|isbn|imei|sku|order|orderno|invoice|account|accountnumber|iban|card|amount|price|total|version|serial|tracking|reference|ref|number)$|id$/;

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
const N_NOT_PHONE = 1024;

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
      (NOT_PHONE_FIELD_RE.test(field) && !PHONE_FIELD_RE.test(field) ? N_NOT_PHONE : 0) |
      (PERSON_PARENTS.test(field) ? N_PERSON_PARENT : 0);
    info = { norm: field, bits };
    if (fieldCache.size < 10_000) fieldCache.set(name, info);
  }
  return info;
}
const NO_FIELD = fieldInfo('');

/** Base64 characters in t[from, to) (PEM bodies; line breaks, escaped `\n` and header lines aside). */
function base64Count(t: string, from: number, to: number): { count: number; distinct: number } {
  let count = 0;
  const seen = new Set<number>();
  for (let i = from; i < to; i++) {
    const c = t.charCodeAt(i);
    const b64 =
      (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
    // `\n` written as two characters (a key inside JSON text or a log line) is a line break
    if (b64 && !(t.charCodeAt(i - 1) === 0x5c && (c === 0x6e || c === 0x72))) {
      count++;
      if (seen.size < 8) seen.add(c);
    }
  }
  return { count, distinct: seen.size };
}

/** Whether t[i] can be inside a PEM body (base64, '=', whitespace, an escaped line break, dashes). */
function pemBodyChar(t: string, i: number): boolean {
  const c = t.charCodeAt(i);
  return (
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2b ||
    c === 0x2f ||
    c === 0x3d ||
    c === 0x20 ||
    c === 0x0a ||
    c === 0x0d ||
    c === 0x09 ||
    c === 0x5c ||
    c === 0x2d // stray dashes beside armour lines
  );
}

/** Key material needs more than a placeholder: 64 base64 characters in a framed body (an Ed25519 key has 64), 40 in a cut one. */
const FRAMED_KEY_MIN = 64;
const TRUNCATED_KEY_MIN = 40;

/**
 * Private-key material, whatever its framing: a BEGIN … END block (the labels may differ), and key
 * material that touches an armour line outside such a block: after a BEGIN whose END is missing, before
 * an END whose BEGIN was cut off, or between stray armour lines. Bodies of dots, stars, `xxx` or a
 * few dozen characters are placeholders, not keys. Armour lines are found in one pass, and each body
 * is read at most twice (from the line before it and the line after it), so the cost is linear.
 */
function privateKeyHits(t: string): Hit[] {
  const armour = spans(PRIVATE_KEY_ARMOUR_RE, t);
  const lines = armour.length / 2;
  const out: Hit[] = [];
  const isBegin = (k: number): boolean => t.slice(armour[2 * k]!, armour[2 * k + 1]!).includes('BEGIN');
  const real = (from: number, to: number, min: number): boolean => {
    const { count, distinct } = base64Count(t, from, to);
    return count >= min && distinct > 4;
  };
  const framed = new Uint8Array(lines);
  for (let k = 0; k + 1 < lines; k++) {
    tick();
    if (!isBegin(k) || isBegin(k + 1)) continue;
    if (real(armour[2 * k + 1]!, armour[2 * k + 2]!, FRAMED_KEY_MIN)) {
      out.push({ start: armour[2 * k]!, end: armour[2 * k + 3]!, score: 1 });
      framed[k] = framed[k + 1] = 1;
    }
    k++;
  }
  // bodies stop at armour lines, so an added span can only overlap the one added just before it
  let last: Hit | undefined;
  const add = (start: number, end: number): void => {
    if (last !== undefined && last.start < end && start < last.end) return;
    last = { start, end, score: 0.95 };
    out.push(last);
  };
  for (let k = 0; k < lines; k++) {
    tick();
    if (framed[k] === 1) continue;
    const lineStart = armour[2 * k]!;
    const lineEnd = armour[2 * k + 1]!;
    // the body right after the line (up to the next armour line or where PEM characters stop)
    const next = k + 1 < lines ? armour[2 * k + 2]! : t.length;
    let stop = lineEnd;
    while (stop < next && pemBodyChar(t, stop)) stop++;
    while (stop > lineEnd && /[\s\\-]/.test(t[stop - 1]!)) stop--;
    if (real(lineEnd, stop, TRUNCATED_KEY_MIN)) add(lineStart, stop);
    // and the body right before it
    const prev = k > 0 ? armour[2 * k - 1]! : 0;
    let from = lineStart;
    while (from > prev && pemBodyChar(t, from - 1)) from--;
    while (from < lineStart && /[\s\\-]/.test(t[from]!)) from += t[from] === '\\' ? 2 : 1;
    if (real(from, lineStart, TRUNCATED_KEY_MIN)) add(from, lineEnd);
  }
  return out.sort((x, y) => x.start - y.start);
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

/**
 * Phone-number candidates: international (`+` or `00`) anywhere; national ones in the formats of the
 * configured regions. Either may end in an extension (`x123`, `ext. 123`, `extension 123`).
 */
const EXTENSION = String.raw`(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?`;
const INTL_PHONE_RE = new RegExp(String.raw`(?<![\w+])(?:\+|00)\d[\d\s().\-/]{5,22}\d${EXTENSION}(?![\d\w])`, 'gi');
const NATIONAL_PHONE_RE = new RegExp(
  String.raw`(?<![\w+\-./])\(?\d[\d\s().\-/]{5,18}\d${EXTENSION}(?![\w\-/]|\.\d)`,
  'gi',
);
/** A word before a number that says it is a phone number. */
const PHONE_CONTEXT_RE =
  /\b(?:phone|tel|telephone|mobile|cell|call|fax|contact|whatsapp|sms|text|dial|ph|mob|hotline|helpline|reach)\b[^\d\n]{0,12}$/i;
/** A word before a number that says it is something else (order, invoice, account, tracking number…). */
const NOT_PHONE_CONTEXT_RE =
  /(?:\b(?:order|invoice|inv|ref|reference|no|nr|id|sku|item|tracking|account|acct|policy|ticket|case|serial|zip|postcode|isbn|batch|lot|part|model)\b|#)[^\w\n]{0,4}$/i;
/** Regions tried for national numbers when none are configured. */
export const DEFAULT_PHONE_REGIONS: readonly string[] = [
  'US',
  'GB',
  'IN',
  'DE',
  'FR',
  'ES',
  'IT',
  'NL',
  'AU',
  'BR',
  'LK',
  'SG',
  'ZA',
];
const DEFAULT_REGIONS = DEFAULT_PHONE_REGIONS as readonly CountryCode[];

function parsePhone(candidate: string, country?: CountryCode, possible = false): boolean {
  if (country === undefined) {
    const known = internationalPhone(candidate, possible);
    if (known !== undefined) return known;
  }
  const p = parsePhoneNumberFromString(candidate, country ? { defaultCountry: country } : undefined);
  return p !== undefined && (possible ? p.isPossible() : p.isValid());
}

/**
 * Written the way only phone numbers are: North American `(415) 867-5309`, `415-867-5309`,
 * `415.867.5309`, or a trunk prefix and groups (`020 7946 0958`, `(02) 9876 5432`, `07479 55024683`).
 * Such a number needs only a possible length for its region, not an assigned range: test data and
 * numbers from newer ranges are phone numbers all the same.
 */
const WRITTEN_AS_PHONE_RE =
  /^(?:\(\d{3}\) ?\d{3}[-.\s]\d{4}|\d{3}([-.])\d{3}\1\d{4}|\(0\d{1,4}\) ?\d{2,4}(?:[ -]\d{2,4}){1,3}|0\d{1,4}[ -]\d{2,8}(?:[ -]\d{2,4}){0,3})(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?$/i;

/**
 * Whether a national candidate is grouped the way phone numbers are written: two or more groups of
 * digits (the first may be in brackets), none longer than five, except after an area code (in
 * brackets or with a leading 0) where the subscriber part may run to eight; not a date.
 */
function phoneShaped(candidate: string): boolean {
  const number = candidate.replace(/\s*(?:x|ext\.?|extension)\s*\d{1,6}$/i, '');
  if (/^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$/.test(number)) return false; // a date
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(number)) return false; // an IPv4 address
  const groups = number
    .split(/[\s.\-/]+|(?<=\))/)
    .map((g) => g.replace(/[()]/g, ''))
    .filter((g) => g !== '');
  if (groups.length < 2 || groups.some((g) => !/^\d+$/.test(g))) return false;
  // 8 to 12 digits (national numbers with their trunk prefix have as many); dots need three
  // groups (`5288.18` is an amount)
  const digits = groups.join('').length;
  if (digits < 8 || digits > 12 || (groups.length < 3 && number.includes('.'))) return false;
  // an ISBN-13 and a US ZIP+4 code are grouped like phone numbers
  if (/^97[89][- ]/.test(number) || /^\d{5}-\d{4}$/.test(number)) return false;
  const areaCode = number.startsWith('(') || groups[0]!.startsWith('0');
  // (a trunk-prefixed first group may have six digits: India's 081234 56789)
  return groups.every((g, i) => g.length <= (areaCode ? (i > 0 ? 8 : 6) : 5));
}

function phoneHits(text: string, ctx: Ctx): Hit[] {
  const phoneField = (ctx.names & N_PHONE) !== 0;
  const hits: Hit[] = [];
  // libphonenumber signals an unparsable candidate by throwing internally; without stack traces that is cheap
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    INTL_PHONE_RE.lastIndex = 0;
    let m: RegExpExecArray | null;
    const intlSpans: number[] = [];
    while ((m = INTL_PHONE_RE.exec(text)) !== null) {
      tick();
      const raw = m[0];
      intlSpans.push(m.index, m.index + raw.length);
      // under a phone field or after a phone word, a possible length is enough (as for national numbers)
      const before = text.slice(Math.max(0, m.index - 24), m.index);
      // `00…` inside a longer run of digit groups (an IMEI's `73-008211-…`), or under a field that
      // says it is another number, is not an international prefix
      if (raw.startsWith('00') && ((ctx.names & N_NOT_PHONE) !== 0 || /\d[\s.\-/]$/.test(before))) continue;
      const said = phoneField || PHONE_CONTEXT_RE.test(before);
      if (parsePhone(raw.startsWith('00') ? `+${raw.slice(2)}` : raw, undefined, said))
        hits.push({ start: m.index, end: m.index + raw.length, score: 0.95 });
    }
    NATIONAL_PHONE_RE.lastIndex = 0;
    // the international candidates (valid or not) are in text order: one forward cursor finds the
    // ones a national candidate meets (`555 0100` of `+1 555 0100` is not a national number)
    let k = 0;
    let seen: Map<string, boolean> | undefined;
    while ((m = NATIONAL_PHONE_RE.exec(text)) !== null) {
      tick();
      const start = m.index;
      const end = start + m[0].length;
      while (k < intlSpans.length && intlSpans[k + 1]! <= start) k += 2;
      if (k < intlSpans.length && intlSpans[k]! < end) continue;
      const candidate = m[0];
      const before = text.slice(Math.max(0, start - 24), start);
      // the rest of a longer run of digit groups, or the digits after an IBAN's country and check digits
      if (/\d[\s.\-/]$|\b[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4})*\s?$/.test(before)) continue;
      const said = phoneField || PHONE_CONTEXT_RE.test(before);
      // a bare run of digits is a phone number only where the field or the words say so; a grouped
      // one also without them, unless the words before say it is an order, invoice or account number
      if (!said && ((ctx.names & N_NOT_PHONE) !== 0 || !phoneShaped(candidate) || NOT_PHONE_CONTEXT_RE.test(before)))
        continue;
      const written = WRITTEN_AS_PHONE_RE.test(candidate);
      // a text that repeats a candidate asks the regions once (the answer depends on the candidate
      // alone); the answers live only as long as this call
      seen ??= new Map();
      let valid = seen.get(candidate);
      if (valid === undefined) {
        valid = regionsOf(ctx.opts).some((c) => parsePhone(candidate, c, written));
        seen.set(candidate, valid);
      }
      if (valid) hits.push({ start, end, score: said || written ? 0.95 : 0.8 });
    }
  } finally {
    Error.stackTraceLimit = limit;
  }
  return hits;
}

/** An IPv6 address is written with `::` or with at least six colons (seven, or six before an IPv4 tail). */
const maybeIpv6 = (t: string, c: Ctx): boolean => c.colons >= 6 || (c.colons >= 2 && t.includes('::'));

/** A card number's digits if `match` is one (one kind of separator, Luhn, a known issuer), else undefined. */
function cardDigits(match: string): string | undefined {
  // cards are printed with a first group of four (4-4-4-4, 4-6-5, 4-6-4); an IMEI is 2-6-6-1
  const firstSep = match.search(/[ .-]/);
  if (firstSep !== -1 && firstSep !== 4) return undefined;
  let digits = '';
  let sep = 0;
  for (let i = 0; i < match.length; i++) {
    const c = match.charCodeAt(i);
    if (c >= 48 && c <= 57) digits += match[i];
    else if (sep === 0) sep = c;
    else if (c !== sep) return undefined;
  }
  return luhn(digits) && cardIssuer(digits) !== undefined ? digits : undefined;
}

/**
 * Card numbers in a candidate run of digit groups: the whole run, or else a part of it that starts
 * at a group (`2026-4111111111111111` is a year glued to a card); letters right before do not matter
 * (`ORD4111111111111111`). Not the digits of an international phone number or of an IBAN.
 */
function cardHits(t: string): Hit[] {
  const out: Hit[] = [];
  CARD_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = CARD_RE.exec(t)) !== null) {
    tick();
    const run = m[0];
    // `NL53 8310 …`: an IBAN's check digits and its digits, not a card
    if (/^\d{2} /.test(run) && /[A-Za-z]{2}$/.test(t.slice(Math.max(0, m.index - 2), m.index))) continue;
    let at = 0;
    let len = run.length;
    if (cardDigits(run) === undefined) {
      // try the parts that start after a separator, longest first (at most a few groups)
      let found = false;
      for (let i = 1; i < run.length - 11 && !found; i++) {
        const c = run.charCodeAt(i - 1);
        if (c !== 0x20 && c !== 0x2d && c !== 0x2e) continue;
        for (let j = run.length; j - i >= 12 && !found; j--) {
          if (j < run.length && /\d/.test(run[j]!)) continue; // a part ends at a group's end
          if (cardDigits(run.slice(i, j)) !== undefined) {
            at = i;
            len = j - i;
            found = true;
          }
        }
      }
      if (!found) continue;
    }
    const start = m.index + at;
    const before = t.slice(Math.max(0, start - 6), start);
    // after a country code and two check digits these are an IBAN's digits (valid or not), not a card
    if (/\+\s*$|[A-Za-z]{2}\d{2} ?$/.test(before)) continue;
    out.push({ start, end: start + len, score: 0.97 });
  }
  return out;
}

function dateHits(text: string, c: Ctx): Hit[] {
  const birthField = (c.names & N_BIRTH) !== 0;
  if (!birthField && !BIRTH_CONTEXT_RE.test(text)) return [];
  const now = c.now ?? new Date();
  const out: Hit[] = [];
  const near = (start: number): boolean =>
    birthField || BIRTH_CONTEXT_RE.test(text.slice(Math.max(0, start - 40), start));
  for (const h of regexHits(ISO_DATE_RE, text, (m) =>
    plausibleBirthDate(+m[1]!, +m[2]!, +m[3]!, now) && near(m.index) ? 0.9 : false,
  ))
    out.push(h);
  for (const h of regexHits(DMY_DATE_RE, text, (m) => {
    const a = +m[1]!;
    const b = +m[2]!;
    const y = +m[3]!;
    return (plausibleBirthDate(y, b, a, now) || plausibleBirthDate(y, a, b, now)) && near(m.index) ? 0.85 : false;
  }))
    out.push(h);
  for (const h of regexHits(TEXT_DATE_RE, text, (m) => {
    const day = +(m[1] ?? m[5]!);
    const month = MONTHS.indexOf((m[2] ?? m[4]!).slice(0, 3).toLowerCase()) + 1;
    const year = +(m[3] ?? m[6]!);
    return plausibleBirthDate(year, month, day, now) && near(m.index) ? 0.85 : false;
  }))
    out.push(h);
  return out;
}

const DETECTORS: readonly Detector[] = [
  {
    id: 'private-key-block',
    type: 'PRIVATE_KEY',
    priority: 100,
    all: F_DASH | L60,
    any: 0,
    names: 0,
    applies: (t, c) => (c.flags & F_DASH) !== 0 && t.length >= 60 && t.includes('PRIVATE KEY'),
    find: privateKeyHits,
  },
  {
    id: 'jwt',
    type: 'JWT',
    priority: 95,
    all: F_DOT | L30,
    any: 0,
    names: 0,
    applies: (t, c) => (c.flags & F_DOT) !== 0 && t.length >= 30 && t.includes('eyJ'),
    find: (t) => regexHits(JWT_RE, t, (m) => (jwtHeaderValid(m[1]!) ? 0.99 : false)),
  },
  {
    id: 'credential-url',
    type: 'CREDENTIAL_URL',
    priority: 90,
    all: 0,
    any: F_COLON | F_EQ,
    names: 0,
    applies: (t, c) =>
      ((c.flags & (F_AT | F_COLON)) === (F_AT | F_COLON) && t.includes('://')) ||
      ((c.flags & F_EQ) !== 0 && /password|pwd/i.test(t)),
    find: (t) => [
      ...regexHits(CRED_URL_RE, t, (m) => (placeholderCredentials(m[0]) ? false : 0.95)),
      ...connStringHits(t),
      ...jdbcHits(t),
    ],
  },
  {
    id: 'secret-format',
    type: 'SECRET',
    priority: 85,
    all: L16,
    any: 0,
    names: 0,
    applies: (t) => t.length >= 16 && SECRET_PREFIX_RE.test(t),
    find: (t) => {
      const out: Hit[] = [];
      for (const p of SECRET_PATTERNS) {
        if (!p.prefix.some((x) => t.includes(x))) continue;
        regexHits(p.re, t, (m) => ((p.check && !p.check(m[0])) || placeholderSecret(m[0]) ? false : 0.99), out);
      }
      return out;
    },
  },
  {
    id: 'secret-rules',
    type: 'SECRET',
    priority: 86,
    all: 0,
    any: F_TOKEN | F_DASH,
    names: 0,
    applies: (t, c) => (c.flags & F_TOKEN) !== 0 || ((c.flags & F_DASH) !== 0 && t.includes('-----BEGIN')),
    find: (t) =>
      secretRuleHits(t).flatMap((h) => {
        const value = t.slice(h.start, h.end);
        // the preset flags credentials in URLs that documentation writes (user:pass): not secrets here
        if (placeholderSecret(value) || (value.includes('://') && placeholderCredentials(value))) return [];
        return [{ start: h.start, end: h.end, score: 0.97 }];
      }),
  },
  {
    id: 'url-secret-param',
    type: 'SECRET',
    priority: 83,
    all: F_EQ | L8,
    any: 0,
    names: 0,
    applies: (t, c) => (c.flags & F_EQ) !== 0 && t.length >= 8 && /[?&#;][\w-]+=/.test(t),
    find: urlSecretHits,
  },
  {
    id: 'session-cookie',
    type: 'SECRET',
    priority: 82,
    all: F_EQ | L20,
    any: 0,
    names: 0,
    applies: (t, c) => (c.flags & F_EQ) !== 0 && t.length >= 20,
    find: sessionCookieHits,
  },
  {
    id: 'prefixed-token',
    type: 'SECRET',
    priority: 81,
    all: F_TOKEN | L33,
    any: 0,
    names: 0,
    applies: (t, c) => (c.flags & F_TOKEN) !== 0 && t.length >= 33,
    find: (t) =>
      regexHits(PREFIXED_TOKEN_RE, t, (m) => {
        const body = m[1]!;
        // request and object ids are often 32 hex digits after a word: a hex body must be longer
        if (/^[0-9a-f]+$/i.test(body) && body.length < 40) return false;
        return tokenLike(body, 3.5) && !placeholderSecret(m[0]) ? 0.85 : false;
      }),
  },
  {
    id: 'secret-field',
    type: 'SECRET',
    priority: 84,
    all: 0,
    any: 0,
    names: N_SECRET,
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
    all: D8 | L15,
    any: 0,
    names: 0,
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
    all: R12,
    any: 0,
    names: 0,
    applies: (_t, c) => c.run >= 12,
    find: cardHits,
  },
  {
    id: 'us-ssn',
    type: 'US_SSN',
    priority: 70,
    all: R9,
    any: 0,
    names: 0,
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
    all: F_AT,
    any: 0,
    names: 0,
    applies: (_t, c) => (c.flags & F_AT) !== 0,
    find: (t, c) =>
      regexHits((c.flags & F_HIGH) !== 0 ? IDN_EMAIL_RE : EMAIL_RE, t, (m) =>
        m[0].includes('..') ||
        m[0].startsWith('.') ||
        m[0].includes('.@') ||
        // the password and host of `scheme://user:password@host` are not an address
        /:\/\/[^\s/@:]*:$/.test(t.slice(Math.max(0, m.index - 80), m.index))
          ? false
          : 0.97,
      ),
  },
  {
    id: 'phone',
    type: 'PHONE',
    priority: 60,
    all: R7,
    any: 0,
    names: 0,
    // seven digits in a row (separators aside) at least: the shortest national numbers
    applies: (_t, c) => c.run >= 7,
    find: phoneHits,
  },
  {
    id: 'ip-address',
    type: 'IP_ADDRESS',
    priority: 55,
    all: 0,
    any: F_DOT | F_COLON,
    names: 0,
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
    all: D4,
    any: 0,
    names: 0,
    applies: (_t, c) => c.digits >= 4,
    find: dateHits,
  },
  {
    id: 'url',
    type: 'URL',
    priority: 40,
    all: F_COLON,
    any: 0,
    names: 0,
    applies: (t, c) => (c.flags & F_COLON) !== 0 && t.includes('://'),
    find: (t) => regexHits(URL_RE, t, () => 0.9),
  },
  {
    id: 'person-field',
    type: 'PERSON',
    priority: 30,
    all: 0,
    any: 0,
    names: N_PERSON | N_NAME,
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
    all: 0,
    any: 0,
    names: N_ADDRESS,
    applies: (_t, c) => (c.names & N_ADDRESS) !== 0,
    find: (t) => {
      const value = t.trim();
      if (value.length < 4 || !/\p{L}/u.test(value)) return [];
      const start = t.indexOf(value);
      return [{ start, end: start + value.length, score: 0.8 }];
    },
  },
];

const regionCache = new WeakMap<readonly string[], Map<string, readonly CountryCode[]>>();
const countryCache = new Map<string, readonly CountryCode[]>();
/**
 * The regions national phone numbers are tried in: `defaultCountry` first, then the given
 * `phoneRegions` (upper-cased), or the default list when neither is set; built once per options.
 */
function regionsOf(opts: DetectOptions): readonly CountryCode[] {
  const given = opts.phoneRegions;
  const first = opts.defaultCountry;
  if (given === undefined) {
    if (first === undefined) return DEFAULT_REGIONS;
    let one = countryCache.get(first);
    if (one === undefined) countryCache.set(first, (one = [first as CountryCode]));
    return one;
  }
  let byFirst = regionCache.get(given);
  if (byFirst === undefined) regionCache.set(given, (byFirst = new Map()));
  let list = byFirst.get(first ?? '');
  if (list === undefined) {
    list = [...(first ? [first as CountryCode] : []), ...given.map((r) => r.toUpperCase() as CountryCode)];
    byFirst.set(first ?? '', list);
  }
  return list;
}

const enabledCache = new WeakMap<readonly string[], readonly Detector[]>();
let lastTypes: readonly string[] | undefined;
let lastEnabled: readonly Detector[] = [];
function enabledDetectors(types: readonly string[]): readonly Detector[] {
  if (types === lastTypes) return lastEnabled;
  let list = enabledCache.get(types);
  if (!list) {
    list = DETECTORS.filter((d) => types.includes(d.type));
    enabledCache.set(types, list);
  }
  lastTypes = types;
  lastEnabled = list;
  return list;
}

/** Character classes for scan(): the F_* flag a character sets (low byte) and what it does to the runs. */
const K_SEPARATOR = 1 << 8; // ends a token run (see F_TOKEN)
const K_STRONG = 1 << 9; // a lower-case letter outside a–f
const K_DIGIT = 1 << 10;
const K_RESET = 1 << 11; // ends a run of digits in a number-like notation
const K_AT = 1 << 12;
const K_COLON = 1 << 13;
const CLASSES = new Uint16Array(128);
for (let c = 0; c < 128; c++) {
  const flag =
    c === 0x40
      ? F_AT
      : c === 0x2b
        ? F_PLUS
        : c === 0x3a
          ? F_COLON
          : c === 0x3d
            ? F_EQ
            : c === 0x2e
              ? F_DOT
              : c === 0x2d
                ? F_DASH
                : 0;
  const digit = c >= 48 && c <= 57;
  CLASSES[c] =
    flag |
    (c <= 0x20 || c === 0x22 || c === 0x27 || c === 0x3c || c === 0x3e || c === 0x60 ? K_SEPARATOR : 0) |
    (c >= 0x67 && c <= 0x7a ? K_STRONG : 0) |
    (digit ? K_DIGIT : 0) |
    (!digit && flag === 0 && !(c <= 0x20 || c === 0x28 || c === 0x29 || c === 0x2f) ? K_RESET : 0) |
    (c === 0x40 ? K_AT : 0) |
    (c === 0x3a ? K_COLON : 0);
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
  // the run of token characters (see F_TOKEN): its length and whether it has a letter g–z
  let tok = 0;
  let strong = false;
  // an '@' without a ':' in the run is an email address, not a token (credentials in URLs have both)
  let atSign = false;
  let colon = false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    const k = c < 128 ? CLASSES[c]! : F_HIGH;
    if ((k & K_SEPARATOR) !== 0) {
      tok = 0;
      strong = atSign = colon = false;
      if ((k & K_RESET) !== 0) run = 0;
      continue;
    }
    tok++;
    if ((k & K_DIGIT) !== 0) {
      n++;
      if (++run > longest) longest = run;
    } else {
      f |= k & 0xff;
      if ((k & K_RESET) !== 0) run = 0;
      if ((k & K_STRONG) !== 0) strong = true;
      else if ((k & K_AT) !== 0) atSign = true;
      else if ((k & K_COLON) !== 0) {
        colon = true;
        colons++;
      }
    }
    if (tok >= 20 && strong && (!atSign || colon)) f |= F_TOKEN;
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

const CTX: Ctx = { opts: {}, field: '', parent: '', names: 0, now: undefined, digits: 0, run: 0, colons: 0, flags: 0 };

/** The context of one detection, in the one object every call reuses (detection does not nest). */
function contextOf(text: string, opts: DetectOptions): Ctx {
  const field = opts.fieldName ? fieldInfo(opts.fieldName) : NO_FIELD;
  const ctx = CTX;
  ctx.opts = opts;
  ctx.field = field.norm;
  ctx.parent = opts.parentName ?? '';
  ctx.names = field.bits;
  ctx.now = opts.now;
  scan(text, ctx);
  return ctx;
}

/** Whether a detector's declared needs (all, any, names) hold for the facts and field-name bits. */
const gateOpen = (d: Detector, have: number, names: number): boolean =>
  (have & d.all) === d.all && (d.any === 0 || (have & d.any) !== 0) && (d.names === 0 || (names & d.names) !== 0);

/**
 * @internal For tests: per detector, whether its declared needs hold for `text` and whether its
 * applies() says yes (the needs must hold whenever it does, or the gate would cost recall).
 */
export function detectorGates(
  text: string,
  opts: DetectOptions = {},
): { id: string; gate: boolean; applies: boolean }[] {
  const ctx = contextOf(text, opts);
  const have = facts(text, ctx);
  return DETECTORS.map((d) => ({ id: d.id, gate: gateOpen(d, have, ctx.names), applies: d.applies(text, ctx) }));
}

function detectWithin(text: string, opts: DetectOptions, sink: Finding[], path?: string | (() => string)): number {
  const types = opts.types ?? DEFAULT_TYPES;
  const ctx = contextOf(text, opts);
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
  const have = facts(text, ctx);
  const names = ctx.names;
  for (const d of enabledDetectors(types)) {
    if (!gateOpen(d, have, names)) continue;
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
    // (a custom validator may itself call detect(), which reuses the context)
    const fieldNorm = ctx.field;
    for (const c of opts.custom) {
      if (timed && performance.now() > budgetDeadline) overBudget();
      for (const h of customHits(c, text, fieldNorm))
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
