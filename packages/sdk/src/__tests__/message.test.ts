import { contextFromHeaders, parsePayload, serializePayload, type XmlPayload } from '../message';
import { type SaiError } from '../errors';

const buf = (s: string): Buffer => Buffer.from(s, 'utf8');
const errorOf = (fn: () => unknown): SaiError => {
  try {
    fn();
  } catch (e) {
    return e as SaiError;
  }
  throw new Error('expected an error');
};

describe('parsePayload', () => {
  it('parses JSON losslessly by content type, including +json and charset', () => {
    const p = parsePayload(buf('{"total":500.0,"id":12345678901234567890}'), 'application/vnd.api+json; charset=UTF-8');
    expect(p.kind).toBe('json');
    expect(serializePayload(p)).toBe('{"total":500.0,"id":12345678901234567890}');
  });

  it('keeps XML as text with a parsed view', () => {
    const p = parsePayload(buf('<a x="1"><b>t</b></a>'), 'text/xml');
    expect(p.kind).toBe('xml');
    const xml = (p as { xml: XmlPayload }).xml;
    expect(xml.text).toBe('<a x="1"><b>t</b></a>');
    expect(JSON.stringify(xml.document)).toBe('[{"a":[{"b":[{"#text":"t"}]}],":@":{"@x":"1"}}]');
    expect(serializePayload(p)).toBe('<a x="1"><b>t</b></a>');
  });

  it('takes text/* as text and an empty body as empty', () => {
    expect(parsePayload(buf('hello'), 'text/plain')).toEqual({ kind: 'text', text: 'hello' });
    expect(parsePayload(buf(''), undefined)).toEqual({ kind: 'empty' });
  });

  it('reports malformed JSON with line and column', () => {
    const e = errorOf(() => parsePayload(buf('{\n"a": }'), 'application/json'));
    expect(e.code).toBe('SAI_ERR_MALFORMED_JSON');
    expect(e.extensions).toEqual({ line: 2, column: 6, position: 7 });
  });

  it('reports an empty JSON body as malformed', () => {
    expect(errorOf(() => parsePayload(buf(''), 'application/json')).code).toBe('SAI_ERR_MALFORMED_JSON');
  });

  it('reports malformed XML with line and column', () => {
    const e = errorOf(() => parsePayload(buf('<a>\n  <b></a>'), 'application/xml'));
    expect(e.code).toBe('SAI_ERR_MALFORMED_XML');
    expect(e.message).toMatch(/^Malformed XML at line 2, column \d+: /);
    expect(e.extensions).toMatchObject({ line: 2 });
  });

  it('refuses DOCTYPE (no DTDs, no entity expansion)', () => {
    const bomb =
      '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>\n<lolz>&lol2;</lolz>';
    const e = errorOf(() => parsePayload(buf(bomb), 'application/xml'));
    expect(e.code).toBe('SAI_ERR_MALFORMED_XML');
    expect(e.message).toMatch(/line 2, column 1: DOCTYPE declarations are not accepted/);
  });

  it('refuses unsupported media types and missing content types with 415', () => {
    expect(errorOf(() => parsePayload(buf('x'), 'application/octet-stream')).status).toBe(415);
    expect(errorOf(() => parsePayload(buf('x'), undefined)).message).toMatch(/no Content-Type/);
    expect(errorOf(() => parsePayload(buf('x'), 'nonsense')).status).toBe(415);
    expect(errorOf(() => parsePayload(buf('x'), 'text/plain; charset=iso-8859-1')).message).toMatch(
      /charset 'iso-8859-1'/,
    );
  });

  it('refuses invalid UTF-8 instead of producing replacement characters', () => {
    const e = errorOf(() => parsePayload(Buffer.from([0x7b, 0x22, 0x61, 0xff, 0x22, 0x7d]), 'application/json'));
    expect(e.code).toBe('SAI_ERR_BAD_REQUEST');
    expect(e.message).toMatch(/not valid UTF-8/);
  });

  it('bounds JSON nesting', () => {
    expect(errorOf(() => parsePayload(buf('[[[[1]]]]'), 'application/json', { maxDepth: 3 })).message).toMatch(
      /nesting deeper than 3/,
    );
  });
});

describe('contextFromHeaders', () => {
  it('reads the gateway context headers', () => {
    const ctx = contextFromHeaders(
      {
        'x-correlation-id': 'abc-123',
        'x-tenant-id': 'acme',
        'x-user-role': 'admin',
        'x-api-name': 'Orders',
        'x-api-version': '1.0.0',
        'x-consumer-key': 'ck_1',
        'x-flow': 'Response',
      },
      () => 'new',
    );
    expect(ctx).toEqual({
      correlationId: 'abc-123',
      tenantId: 'acme',
      userRole: 'admin',
      apiName: 'Orders',
      apiVersion: '1.0.0',
      consumerKey: 'ck_1',
      flow: 'response',
    });
  });

  it('generates a correlation id when none or an unusable one is sent, and defaults the flow', () => {
    expect(contextFromHeaders({}, () => 'gen-1')).toEqual({ correlationId: 'gen-1', flow: 'request' });
    expect(contextFromHeaders({ 'x-correlation-id': 'a b\nc' }, () => 'gen-2').correlationId).toBe('gen-2');
  });

  it('rejects an unknown flow', () => {
    expect(errorOf(() => contextFromHeaders({ 'x-flow': 'sideways' }, () => 'x')).message).toBe(
      "X-Flow must be one of request, response, fault (got 'sideways').",
    );
  });
});
