import request from 'supertest';
import { makeApp } from './helpers';

describe('transform policies through the sidecar', () => {
  const { app } = makeApp({
    policies: { 'xml-to-json': { options: { 'synapse.commons.json.output.jsonoutAutoArray': 'false' } } },
    pipelines: {
      'soap-in': [{ policy: 'xml-to-json' }, { policy: 'add-context', options: { fields: ['tenantId'] } }],
    },
  });

  it('json-to-xml answers application/xml with number text kept', async () => {
    const res = await request(app)
      .post('/v1/policies/json-to-xml')
      .set('Content-Type', 'application/json')
      .send('{"order":{"total":500.0,"id":12345678901234567890123}}');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/xml');
    expect(res.headers['x-policy-decision']).toBe('modified');
    expect(res.text).toBe(
      '<jsonObject><order><total>500.0</total><id>12345678901234567890123</id></order></jsonObject>',
    );
  });

  it('xml-to-json uses the configured properties and keeps duplicate keys byte for byte', async () => {
    const res = await request(app)
      .post('/v1/policies/xml-to-json')
      .set('Content-Type', 'text/xml')
      .send('<r><a>1.50</a><a>2</a></r>');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.text).toBe('{"r":{"a":1.50,"a":2}}');
  });

  it('a pipeline converts then enriches the converted body', async () => {
    const res = await request(app)
      .post('/v1/policies/soap-in')
      .set('Content-Type', 'application/xml')
      .set('X-Tenant-ID', 'acme')
      .send(
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><q>25e1</q></s:Body></s:Envelope>',
      );
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"Envelope":{"Body":{"q":2.5E+2}},"gateway":{"tenantId":"acme"}}');
    expect(res.headers['server-timing']).toMatch(/^xml-to-json;dur=[\d.]+, add-context;dur=[\d.]+, total/);
  });

  it('conversion errors are 4xx problems that say where', async () => {
    const mixed = await request(app)
      .post('/v1/policies/xml-to-json')
      .set('Content-Type', 'application/xml')
      .send('<a>t<b/></a>');
    expect(mixed.status).toBe(422);
    expect(mixed.body).toMatchObject({ code: 'SAI_ERR_INPUT_INVALID', reason: 'JSONXML_MIXED_CONTENT' });
    const name = await request(app)
      .post('/v1/policies/json-to-xml')
      .set('Content-Type', 'application/json')
      .send('{"a b":1}');
    expect(name.status).toBe(422);
    expect(name.body.detail).toMatch(/"a b" at line 1, column 2 .*buildValidNCNames=true/);
  });
});
