import { parseJson, readXml } from '@synapse-ai/json-xml';
import fc from 'fast-check';
import { redact, RedactError, summaryHeader } from '..';
import { PseudonymVault, redactWithPseudonyms, restore, type VaultStore } from '../vault';

const json = 'application/json';

class MapStore implements VaultStore {
  readonly map = new Map<string, string>();
  get(k: string) {
    return Promise.resolve(this.map.get(k));
  }
  set(k: string, v: string) {
    this.map.set(k, v);
    return Promise.resolve();
  }
  setIfAbsent(k: string, v: string) {
    if (this.map.has(k)) return Promise.resolve(false);
    this.map.set(k, v);
    return Promise.resolve(true);
  }
  incr(k: string, by = 1) {
    const n = Number(this.map.get(k) ?? 0) + by;
    this.map.set(k, String(n));
    return Promise.resolve(n);
  }
}

const elementTree = (xml: string): string[] => {
  const names: string[] = [];
  readXml(xml, {
    startElement(q, _p, _l, _u, _a, decls) {
      names.push(`<${q}${decls.map((d) => ` ${d.prefix}=${d.uri}`).join('')}>`);
    },
    endElement() {
      names.push('</>');
    },
    text() {},
    processingInstruction() {},
  });
  return names;
};

describe('redact: JSON', () => {
  it('changes only string values: keys, number text, whitespace and order stay', () => {
    const body =
      '{\n  "email": "ada@example.com",\n  "total": 500.0,\n  "id": 12345678901234567890,\n  "ok": true,\n  "n": null\n}';
    const r = redact(body, { contentType: json });
    expect(r.body).toBe(
      '{\n  "email": "<EMAIL>",\n  "total": 500.0,\n  "id": 12345678901234567890,\n  "ok": true,\n  "n": null\n}',
    );
    expect(r.summary).toEqual({ EMAIL: 1 });
    expect(r.findings).toEqual([{ type: 'EMAIL', start: 0, end: 15, score: 0.97, detector: 'email', path: '$.email' }]);
  });

  it('decodes escapes before detection and re-encodes after', () => {
    const r = redact('{"note":"mail: ada\\u0040example.com\\n\\"quoted\\""}', { contentType: json });
    expect(r.body).toBe('{"note":"mail: <EMAIL>\\n\\"quoted\\""}');
    expect(JSON.parse(r.body)).toEqual({ note: 'mail: <EMAIL>\n"quoted"' });
  });

  it('uses key names as context and walks arrays and deep nesting', () => {
    const deep =
      '{"a":'.repeat(50) + '{"customer":{"name":"Ada Lovelace","phones":["+44 20 7946 0958"]}}' + '}'.repeat(50);
    const r = redact(deep, { contentType: json });
    expect(r.body).toContain('{"customer":{"name":"<PERSON>","phones":["<PHONE>"]}}');
    expect(r.findings.map((f) => f.path)).toEqual([
      `$${'.a'.repeat(50)}.customer.name`,
      `$${'.a'.repeat(50)}.customer.phones[0]`,
    ]);
  });

  it('gives every finding its own path across siblings, array items and quoted keys', () => {
    const body = JSON.stringify({
      a: [{ email: 'a@example.com' }, { b: { email: 'b@example.com' } }, 'c@example.com'],
      'first name': 'x',
      c: { 'e-mail': 'd@example.com', list: [[], ['e@example.com']] },
      d: 'f@example.com',
    });
    const r = redact(body, { contentType: json });
    expect(r.findings.map((f) => f.path)).toEqual([
      '$.a[0].email',
      '$.a[1].b.email',
      '$.a[2]',
      '$["first name"]',
      '$.c["e-mail"]',
      '$.c.list[1][0]',
      '$.d',
    ]);
  });

  it('redacts JSON documents held in strings (LLM tool-call arguments) structurally', () => {
    const body = JSON.stringify({
      tool_calls: [{ function: { name: 'send', arguments: JSON.stringify({ to: 'eve@example.com', body: 'hi' }) } }],
    });
    const r = redact(body, { contentType: json });
    expect(JSON.parse(JSON.parse(r.body).tool_calls[0].function.arguments)).toEqual({ to: '<EMAIL>', body: 'hi' });
  });

  it('keeps keys like __proto__ as data', () => {
    const r = redact('{"__proto__":{"email":"a@example.com"}}', { contentType: json });
    expect(r.body).toBe('{"__proto__":{"email":"<EMAIL>"}}');
  });

  it('refuses malformed JSON, saying where', () => {
    expect(() => redact('{"a":', { contentType: json })).toThrow(RedactError);
    expect(() => redact('{"a": 01}', { contentType: json })).toThrow(/line 1, column 8 \(offset 7\)/);
    expect(() => redact('{"a": "x\\q"}', { contentType: json })).toThrow(/invalid escape/);
    expect(() => redact('{"a": "x\ty"}', { contentType: json })).toThrow(/control character/);
    expect(() => redact('[1,]', { contentType: json })).toThrow(RedactError);
    expect(() => redact('{"a":1} x', { contentType: json })).toThrow(/after the JSON value/);
  });

  it('accepts exactly the JSON that JSON.parse accepts', () => {
    const agree = (text: string): void => {
      let parses = true;
      try {
        JSON.parse(text);
      } catch {
        parses = false;
      }
      let redacts = true;
      try {
        redact(text, { contentType: json });
      } catch (err) {
        expect(err).toBeInstanceOf(RedactError);
        redacts = false;
      }
      expect(redacts).toBe(parses);
    };
    fc.assert(fc.property(fc.json(), agree), { numRuns: 500 });
    const jsonish = fc.stringMatching(/^[[\]{}",:0-9.eE+\-tuflasn \\]{0,24}$/);
    fc.assert(fc.property(jsonish, agree), { numRuns: 5000 });
  });

  it('drops any mix of members and items and leaves valid JSON with the rest in place', () => {
    const item = fc.oneof(fc.constant('"ada@example.com"'), fc.integer().map(String), fc.constant('"keep"'));
    const ws = fc.constantFrom('', ' ', '\n  ');
    fc.assert(
      fc.property(fc.array(fc.tuple(item, ws, ws), { maxLength: 6 }), fc.boolean(), (parts, asObject) => {
        const body = asObject
          ? `{${parts.map(([v, a, b], i) => `${a}"k${i}"${b}:${a}${v}${b}`).join(',')}}`
          : `[${parts.map(([v, a, b]) => `${a}${v}${b}`).join(',')}]`;
        const r = redact(body, { contentType: json, operators: { EMAIL: { op: 'drop' } } });
        const before = JSON.parse(body) as unknown;
        const expected = Array.isArray(before)
          ? before.filter((v) => v !== 'ada@example.com')
          : Object.fromEntries(Object.entries(before as object).filter(([, v]) => v !== 'ada@example.com'));
        expect(JSON.parse(r.body)).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('handles a 1 MiB body', () => {
    const items = Array.from({ length: 14000 }, (_, i) => ({
      id: i,
      email: `user${i}@example.com`,
      note: 'nothing to see here at all',
    }));
    const body = JSON.stringify({ items });
    expect(body.length).toBeGreaterThan(1_000_000);
    const r = redact(body, { contentType: json });
    expect(r.summary).toEqual({ EMAIL: 14000 });
    const parsed = JSON.parse(r.body) as { items: { id: number; email: string }[] };
    expect(parsed.items).toHaveLength(14000);
    expect(parsed.items[13999]).toEqual({ id: 13999, email: '<EMAIL>', note: 'nothing to see here at all' });
  });
});

describe('redact: operators', () => {
  const body = '{"email":"ada@example.com","card":"4111 1111 1111 1111","phone":"+44 20 7946 0958"}';

  it('mask keeps the last N characters and the separators', () => {
    const r = redact(body, {
      contentType: json,
      operators: { CREDIT_CARD: { op: 'mask', keepLast: 4 }, EMAIL: { op: 'mask', keepLast: 3, char: '#' } },
    });
    expect(parseJson(r.body)).toMatchObject({ card: '**** **** **** 1111', email: '###@#######.com' });
  });

  it('replace uses a label, per type or for all with *', () => {
    expect(redact(body, { contentType: json, operators: { '*': { op: 'replace', label: '[removed]' } } }).body).toBe(
      '{"email":"[removed]","card":"[removed]","phone":"[removed]"}',
    );
  });

  it('hash is a keyed HMAC-SHA256, stable for a key and different across keys', () => {
    const a = redact(body, { contentType: json, operators: { '*': { op: 'hash' } }, hashKey: 'k1-0123456789abcdef' });
    const b = redact(body, { contentType: json, operators: { '*': { op: 'hash' } }, hashKey: 'k1-0123456789abcdef' });
    const c = redact(body, { contentType: json, operators: { '*': { op: 'hash' } }, hashKey: 'k2-0123456789abcdef' });
    expect(a.body).toBe(b.body);
    expect(a.body).not.toBe(c.body);
    expect(JSON.parse(a.body).email).toMatch(/^<EMAIL:[0-9a-f]{16}>$/);
    expect(() => redact(body, { contentType: json, operators: { '*': { op: 'hash' } } })).toThrow(/needs a hash key/);
  });

  it('drop removes the field (and array items), keeping the JSON valid', () => {
    const r = redact('{"a":1,"email":"ada@example.com","list":["x@example.com","keep"],"b":2}', {
      contentType: json,
      operators: { EMAIL: { op: 'drop' } },
    });
    expect(r.body).toBe('{"a":1,"list":["keep"],"b":2}');
    const last = redact('{"a":1,\n "email":"ada@example.com"\n}', {
      contentType: json,
      operators: { EMAIL: { op: 'drop' } },
    });
    expect(JSON.parse(last.body)).toEqual({ a: 1 });
  });
});

describe('redact: field rules', () => {
  it('always / never / scan by JSONPath', () => {
    const body =
      '{"user":{"note":"plain words","email":"ada@example.com","support":"help@corp.example.com"},"items":[{"sku":"A1"},{"sku":"B2"}],"amount":42}';
    const r = redact(body, {
      contentType: json,
      rules: [
        { path: '$.user.note', action: 'redact', type: 'NOTE' },
        { path: '$..support', action: 'never' },
        { path: '$.items[*].sku', action: 'redact' },
        { path: '$.amount', action: 'redact', type: 'AMOUNT' },
      ],
    });
    expect(JSON.parse(r.body)).toEqual({
      user: { note: '<NOTE>', email: '<EMAIL>', support: 'help@corp.example.com' },
      items: [{ sku: '<REDACTED>' }, { sku: '<REDACTED>' }],
      amount: '<AMOUNT>',
    });
  });

  it('rejects rules it cannot compile', () => {
    expect(() => redact('{}', { contentType: json, rules: [{ path: 'user.email', action: 'redact' }] })).toThrow(
      /must start with \$/,
    );
    expect(() =>
      redact('<a/>', { contentType: 'application/xml', rules: [{ path: 'a/b', action: 'redact' }] }),
    ).toThrow(/must start with/);
  });
});

describe('redact: XML', () => {
  const soap =
    '<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:c="urn:c">' +
    '<soapenv:Body><c:customer id="7" c:contact="ada@example.com"><c:name>Ada Lovelace</c:name><c:note><![CDATA[card 4111111111111111 & more]]></c:note>' +
    '<c:ssn>536-22-1234</c:ssn><!-- phone +44 20 7946 0958 --><c:empty/></c:customer></soapenv:Body></soapenv:Envelope>';

  it('scans text, CDATA, attribute values and comments; names, prefixes and namespaces stay', () => {
    const r = redact(soap, { contentType: 'text/xml' });
    expect(r.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:c="urn:c">' +
        '<soapenv:Body><c:customer id="7" c:contact="&lt;EMAIL&gt;"><c:name>&lt;PERSON&gt;</c:name><c:note><![CDATA[card <CREDIT_CARD> & more]]></c:note>' +
        '<c:ssn>&lt;US_SSN&gt;</c:ssn><!-- phone <PHONE> --><c:empty/></c:customer></soapenv:Body></soapenv:Envelope>',
    );
    expect(elementTree(r.body)).toEqual(elementTree(soap));
    expect(r.findings.map((f) => f.path)).toEqual([
      '/Envelope/Body/customer/@contact',
      '/Envelope/Body/customer/name',
      '/Envelope/Body/customer/note',
      '/Envelope/Body/customer/ssn',
      '/Envelope/Body/customer/comment()',
    ]);
  });

  it('applies XPath rules to elements and attributes', () => {
    const r = redact('<o><c id="C-1"><n>x</n></c><k a="secret-ish"/></o>', {
      contentType: 'application/xml',
      rules: [
        { path: '//c/@id', action: 'redact', type: 'CUSTOMER_ID' },
        { path: '/o/c/n', action: 'redact' },
        { path: '//@a', action: 'never' },
      ],
    });
    expect(r.body).toBe('<o><c id="&lt;CUSTOMER_ID&gt;"><n>&lt;REDACTED&gt;</n></c><k a="secret-ish"/></o>');
  });

  it('refuses malformed XML and DTDs', () => {
    expect(() => redact('<a><b></a>', { contentType: 'application/xml' })).toThrow(/Malformed XML at line 1/);
    expect(() => redact('<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', { contentType: 'application/xml' })).toThrow(
      /DOCTYPE/,
    );
  });
});

describe('redact: text and limits', () => {
  it('scans text/* bodies as text', () => {
    expect(redact('Call +1 415 555 2671 or mail ada@example.com', { contentType: 'text/plain' }).body).toBe(
      'Call <PHONE> or mail <EMAIL>',
    );
  });

  it('stops at the deadline', () => {
    const body = JSON.stringify({ items: Array.from({ length: 5000 }, (_, i) => `user${i}@example.com`) });
    expect(() => redact(body, { contentType: json, deadline: performance.now() - 1 })).toThrow(
      /did not finish within its time budget/,
    );
  });

  it('refuses content types it cannot redact', () => {
    expect(() => redact('x', { contentType: 'application/octet-stream' })).toThrow(/cannot be redacted/);
  });

  it('summarizes counts only', () => {
    expect(summaryHeader({ PHONE: 1, EMAIL: 2 })).toBe('EMAIL=2,PHONE=1');
  });
});

describe('pseudonyms', () => {
  const store = new MapStore();
  const vault = new PseudonymVault(store, { secret: 'vault-secret-0123456789' });
  const opts = { contentType: json, operators: { '*': { op: 'pseudonymize' as const } } };

  it('are consistent within a scope across requests, and restored in the response', async () => {
    const first = await redactWithPseudonyms(
      '{"from":"ada@example.com","cc":"bob@example.com","again":"ada@example.com"}',
      opts,
      vault,
      'acme:conv-1',
    );
    expect(first.body).toBe('{"from":"<EMAIL_1>","cc":"<EMAIL_2>","again":"<EMAIL_1>"}');
    const second = await redactWithPseudonyms(
      '{"to":"bob@example.com","new":"eve@example.com"}',
      opts,
      vault,
      'acme:conv-1',
    );
    expect(second.body).toBe('{"to":"<EMAIL_2>","new":"<EMAIL_3>"}');
    // the model answers with tokens, including in tool-call arguments (nested JSON) and with escaped brackets
    const answer = JSON.stringify({
      content: 'I wrote to <EMAIL_2> and \u003cEMAIL_1\u003e',
      tool_calls: [{ arguments: JSON.stringify({ to: '<EMAIL_3>', note: 'a "quoted" <UNKNOWN_9>' }) }],
    }).replace('\\u003cEMAIL_1\\u003e', '\\u003cEMAIL_1\\u003e');
    const restored = await restore(answer, json, vault, 'acme:conv-1');
    const parsed = JSON.parse(restored.body) as { content: string; tool_calls: { arguments: string }[] };
    expect(parsed.content).toBe('I wrote to bob@example.com and ada@example.com');
    expect(JSON.parse(parsed.tool_calls[0]!.arguments)).toEqual({
      to: 'eve@example.com',
      note: 'a "quoted" <UNKNOWN_9>',
    });
    expect([restored.restored, restored.unknown]).toEqual([3, 1]);
  });

  it('are scoped: another tenant or conversation neither sees nor restores them', async () => {
    const other = await redactWithPseudonyms('{"from":"bob@example.com"}', opts, vault, 'globex:conv-1');
    expect(other.body).toBe('{"from":"<EMAIL_1>"}');
    const r = await restore('{"x":"<EMAIL_2>"}', json, vault, 'globex:conv-1');
    expect(r.body).toBe('{"x":"<EMAIL_2>"}');
  });

  it('store only encrypted values under keyed hashes', () => {
    const dump = [...store.map.entries()].flat().join('\n');
    expect(dump).not.toMatch(/example\.com|acme|globex/);
  });

  it('restore XML and text bodies, escaping for XML', async () => {
    const r = await redactWithPseudonyms(
      '{"a":"x<y> & \\"z\\""}',
      { ...opts, rules: [{ path: '$.a', action: 'redact', type: 'NOTE' }] },
      vault,
      's-xml',
    );
    expect(r.body).toBe('{"a":"<NOTE_1>"}');
    const xml = await restore(
      '<r a="&lt;NOTE_1&gt;">&lt;NOTE_1&gt;<![CDATA[<NOTE_1>]]></r>',
      'application/xml',
      vault,
      's-xml',
    );
    expect(xml.body).toBe(
      '<r a="x&lt;y&gt; &amp; &quot;z&quot;">x&lt;y&gt; &amp; &quot;z&quot;<![CDATA[x<y> & "z"]]></r>',
    );
    const text = await restore('hello <NOTE_1>', 'text/plain', vault, 's-xml');
    expect(text.body).toBe('hello x<y> & "z"');
  });
});
