/**
 * The independent evaluation set of `npm run eval:redact`: payloads whose values come from data this
 * project did not write, rendered as JSON, SOAP and text messages.
 *
 * - faker (@faker-js/faker, MIT; fixed seed): names, street addresses, emails, national and
 *   international phone numbers of eight locales, card numbers of seven issuers in faker's own
 *   groupings, IBANs, IPv4/IPv6 addresses, JWTs, birth dates; and values that are not personal data
 *   (products, prices, order and account numbers, IMEIs, ISBNs, UUIDs, versions, commit hashes,
 *   timestamps, bitcoin addresses) as negatives.
 * - libphonenumber's example numbers (Google's metadata, in libphonenumber-js): one mobile number per
 *   country, written nationally for the default regions and internationally for all.
 * - secretlint's known-bad and known-good fixtures (the version the redactor runs): secrets in their
 *   own files, labelled by secretlint's reported ranges.
 *
 * Only the message shapes (field names, sentences) are this project's; every labelled value is not.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fakerDE, fakerEN_AU, fakerEN_GB, fakerEN_IN, fakerEN_US, fakerES, fakerFR, fakerPT_BR } from '@faker-js/faker';
import { ROOT } from '../bench/lib.mjs';

const require = createRequire(import.meta.url);
const examples = require('libphonenumber-js/examples.mobile.json');
const { parsePhoneNumberFromString } = require('libphonenumber-js/max');

const LOCALES = [
  [fakerEN_US, 'US'],
  [fakerEN_GB, 'GB'],
  [fakerDE, 'DE'],
  [fakerFR, 'FR'],
  [fakerEN_IN, 'IN'],
  [fakerEN_AU, 'AU'],
  [fakerPT_BR, 'BR'],
  [fakerES, 'ES'],
];
const ISSUERS = ['visa', 'mastercard', 'amex', 'discover', 'jcb', 'diners_club', 'maestro'];
const DEFAULT_REGIONS = ['US', 'GB', 'IN', 'DE', 'FR', 'ES', 'IT', 'NL', 'AU', 'BR', 'LK', 'SG', 'ZA'];

const escapeXml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A JSON body from [key, value, type?] fields, with labels at their JSONPath (offsets in the value). */
function jsonRecord(id, groups) {
  const body = {};
  const labels = [];
  for (const [group, fields] of groups) {
    body[group] = {};
    for (const [key, value, type] of fields) {
      body[group][key] = value;
      if (type) labels.push({ type, path: `$.${group}.${key}`, start: 0, end: value.length, value });
    }
  }
  return { id, format: 'json', body: JSON.stringify(body, null, 2), labels };
}

/** The same fields as a SOAP envelope (labels at their XPath). */
function soapRecord(id, groups) {
  const labels = [];
  let inner = '';
  for (const [group, fields] of groups) {
    inner += `<${group}>`;
    for (const [key, value, type] of fields) {
      inner += `<${key}>${escapeXml(value)}</${key}>`;
      if (type) labels.push({ type, path: `/Envelope/Body/${group}/${key}`, start: 0, end: value.length, value });
    }
    inner += `</${group}>`;
  }
  const body = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${inner}</soap:Body></soap:Envelope>`;
  return { id, format: 'xml', body, labels };
}

/** A text message from parts: strings, and [value, type] pairs (labels at their offsets). */
function textRecord(id, parts) {
  let body = '';
  const labels = [];
  for (const p of parts) {
    if (typeof p === 'string') body += p;
    else {
      if (p[1]) labels.push({ type: p[1], path: '', start: body.length, end: body.length + p[0].length, value: p[0] });
      body += p[0];
    }
  }
  return { id, format: 'text', body, labels };
}

function fakerRecords() {
  const out = [];
  let n = 0;
  for (const [f, region] of LOCALES) {
    f.seed(20261202 + n);
    for (let i = 0; i < 40; i++) {
      const id = `i-${region}-${i}`;
      const national = f.phone.number({ style: 'national' });
      const international = f.phone.number({ style: 'international' });
      const card = f.finance.creditCardNumber(ISSUERS[i % ISSUERS.length]);
      const email = f.internet.email();
      const groups = [
        [
          'customer',
          [
            ['customerId', f.string.numeric(8)],
            ['firstName', f.person.firstName(), 'PERSON'],
            ['lastName', f.person.lastName(), 'PERSON'],
            ['email', email, 'EMAIL'],
            ['phone', national, 'PHONE'],
            ['mobile', international, 'PHONE'],
            ['birthDate', f.date.birthdate().toISOString().slice(0, 10), 'DATE_OF_BIRTH'],
            ['street', f.location.streetAddress(), 'ADDRESS'],
            ['city', f.location.city()],
            ['postcode', f.location.zipCode()],
          ],
        ],
        [
          'payment',
          [
            ['cardNumber', card, 'CREDIT_CARD'],
            ['iban', f.finance.iban({ formatted: i % 2 === 0 }), 'IBAN'],
            ['accountNumber', f.finance.accountNumber()],
            ['amount', f.finance.amount()],
            ['currency', f.finance.currencyCode()],
          ],
        ],
        [
          'meta',
          [
            ['orderId', `ORD-${f.string.numeric(10)}`],
            ['product', f.commerce.productName()],
            ['isbn', f.commerce.isbn()],
            ['imei', f.phone.imei()],
            ['requestId', f.string.uuid()],
            ['version', f.system.semver()],
            ['commit', f.git.commitSha()],
            ['createdAt', f.date.recent().toISOString()],
            ['wallet', f.finance.bitcoinAddress()],
            ['clientIp', i % 2 === 0 ? f.internet.ipv4() : f.internet.ipv6(), 'IP_ADDRESS'],
            ['session', f.internet.jwt(), 'JWT'],
          ],
        ],
      ];
      out.push(i % 3 === 2 ? soapRecord(id, groups) : jsonRecord(id, groups));
      // the same kinds of values in free text, without field names to help
      out.push(
        textRecord(`${id}-text`, [
          `Order ORD-${f.string.numeric(8)} for ${f.commerce.productName()} (${f.finance.amount()} ${f.finance.currencyCode()}). Contact `,
          [f.internet.email(), 'EMAIL'],
          ' or call ',
          [f.phone.number({ style: 'national' }), 'PHONE'],
          '. Paid with card ',
          [f.finance.creditCardNumber(ISSUERS[(i + 3) % ISSUERS.length]), 'CREDIT_CARD'],
          `, refund to `,
          [f.finance.iban({ formatted: true }), 'IBAN'],
          `. Seen from `,
          [f.internet.ipv4(), 'IP_ADDRESS'],
          `, build ${f.system.semver()}, ticket ${f.string.uuid()}.`,
        ]),
      );
    }
    n++;
  }
  return out;
}

function phoneExampleRecords() {
  const out = [];
  for (const [country, nsn] of Object.entries(examples)) {
    const p = parsePhoneNumberFromString(nsn, country);
    if (!p) continue;
    const parts = ['Reach the account owner on ', [p.formatInternational(), 'PHONE']];
    if (DEFAULT_REGIONS.includes(country)) parts.push(' or, locally, ', [p.formatNational(), 'PHONE']);
    parts.push('.');
    out.push(textRecord(`phone-${country}`, parts));
  }
  return out;
}

function secretlintRecords() {
  const fixtures = JSON.parse(
    readFileSync(join(ROOT, 'packages/redact/src/__tests__/fixtures/secretlint/fixtures.json'), 'utf8'),
  );
  return fixtures.cases.map((c) => ({
    id: `secretlint-${c.rule}-${c.case}`,
    format: 'text',
    body: c.input,
    // these fixtures label secrets only
    secretsOnly: true,
    labels: c.ranges.map(([start, end]) => ({
      type: 'SECRET*',
      path: '',
      start,
      end,
      value: c.input.slice(start, end),
    })),
  }));
}

export function independentSet() {
  return [...fakerRecords(), ...phoneExampleRecords(), ...secretlintRecords()];
}
