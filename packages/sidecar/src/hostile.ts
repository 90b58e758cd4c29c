/**
 * @fileoverview Hostile bodies: inputs built to hit the worst case of each parser and detector the
 * sidecar runs, at a given size. The adversarial suite sends them to every policy and
 * `npm run bench:hostile` measures them; operators can send them to a deployment to see its limits.
 */

const fill = (unit: string, size: number): string => unit.repeat(Math.max(1, Math.floor(size / unit.length)));
const list = (n: number, f: (i: number) => string, sep = ''): string =>
  Array.from({ length: Math.max(1, Math.floor(n)) }, (_, i) => f(i)).join(sep);

/** Name → [content type, body] for bodies of about `size` bytes (never more). */
export function hostileBodies(size: number): Record<string, [contentType: string, body: () => string]> {
  return {
    'text: every detector prefix, repeated': [
      'text/plain',
      () =>
        [
          '-----BEGIN PRIVATE KEY-----\n',
          'eyJ-',
          'host=a;',
          'jdbc:x:',
          '1.',
          '4111 ',
          '00 1 ',
          '123-45-6789 ',
          'a@b.co ',
          '+1 ',
          'glpat-',
          'sk-',
          'Bearer ',
          'x://a:',
        ]
          .map((f) => fill(f, size / 15))
          .join(' =password .@:// '),
    ],
    'text: phone-like digit runs': ['text/plain', () => fill('call 1.2.3.4.5.6.7.8 or ', size)],
    'text: one finding every few characters': ['text/plain', () => fill('x@y.io ', size)],
    'json: many findings': [
      'application/json',
      () => `{"a":[${fill('"x@y.io 4111111111111111",', size - 10).slice(0, -1)}]}`,
    ],
    'json: many keys': ['application/json', () => `{${list(size / 24, (i) => `"k${i}":${i}`, ',')}}`],
    'json: one long string': [
      'application/json',
      () => JSON.stringify({ prompt: fill('The customer 1.2.3.4 said hi. ', size - 20) }),
    ],
    'json: escapes everywhere': [
      'application/json',
      () => JSON.stringify({ s: fill('\u0001"\\\ud83d\ude00', size / 8) }),
    ],
    'json: nested past the limit': ['application/json', () => `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
    'json: long numbers': [
      'application/json',
      () => `[${list(size / 40, () => '123456789012345678901234567890.5e-300', ',')}]`,
    ],
    'xml: one element, many attributes': ['application/xml', () => `<a ${list(size / 12, (i) => `a${i}="1"`, ' ')}/>`],
    'xml: many elements': ['application/xml', () => `<r>${fill('<e x="1">t@u.io</e>', size - 10)}</r>`],
    'xml: a namespace per element': [
      'application/xml',
      () => `<r>${list(size / 36, (i) => `<p${i}:e xmlns:p${i}="u${i}"/>`)}</r>`,
    ],
    'xml: nested past the limit': ['application/xml', () => `${'<a>'.repeat(50_000)}${'</a>'.repeat(50_000)}`],
    'xml: entities and CDATA': [
      'application/xml',
      () => `<r>${fill('&amp;&lt;&#x41;<![CDATA[x]]><!--c--><?p d?>', size - 10)}</r>`,
    ],
  };
}
