/**
 * `synapse-ai usage export` against a loopback server answering /v1/usage as the sidecar does (the
 * route itself is tested in packages/sidecar: llm.test.ts, quotaRules.test.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from './runCli';

let server: Server;
let url = '';
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.url ?? ''} ${req.headers.authorization ?? '-'}`);
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const tenant = q.get('tenant');
    res.setHeader('Content-Type', 'application/json');
    if (tenant === 'broken') {
      res.statusCode = 400;
      res.end(JSON.stringify({ title: 'Bad request', detail: 'from (2026-12-05) is after to (2026-12-01).' }));
      return;
    }
    const rows =
      tenant === 'acme'
        ? [
            {
              application: 'prod',
              model: 'gpt-4o-mini',
              tier: 'production',
              calls: 3,
              cacheHits: 1,
              promptTokens: 300,
              completionTokens: 120,
              totalTokens: 420,
              costUsd: 0.117,
            },
            {
              application: '=cmd',
              model: 'a,b',
              tier: '-',
              calls: 1,
              cacheHits: 0,
              promptTokens: 10,
              completionTokens: 5,
              totalTokens: 15,
              costUsd: 0.004,
            },
          ]
        : [{ calls: 2, cacheHits: 0, promptTokens: 20, completionTokens: 10, totalTokens: 30, costUsd: 0.01 }];
    res.end(
      JSON.stringify({
        tenant,
        from: q.get('from'),
        to: q.get('to'),
        groupBy: (q.get('groupBy') ?? '').split(','),
        rows,
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('synapse-ai usage export', () => {
  it('writes invoice lines per tenant and application/model as CSV, with the token when one is set', async () => {
    const r = await runCli(
      ['usage', 'export', '--url', url, '--tenant', 'acme', '--from', '2026-11-01', '--to', '2026-11-30'],
      '',
      {
        SAI_TOKEN: 'tok-0123456789abcdef',
      },
    );
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toEqual([
      'tenant,from,to,application,model,tier,calls,cacheHits,promptTokens,completionTokens,totalTokens,costUsd',
      'acme,2026-11-01,2026-11-30,prod,gpt-4o-mini,production,3,1,300,120,420,0.117',
      // a cell a spreadsheet would run as a formula, or with a comma, is quoted
      'acme,2026-11-01,2026-11-30,"=cmd","a,b","-",1,0,10,5,15,0.004',
    ]);
    // lines per application name the tier they were billed under
    expect(seen.at(-1)).toBe(
      '/v1/usage?tenant=acme&from=2026-11-01&to=2026-11-30&groupBy=application%2Cmodel%2Ctier Bearer tok-0123456789abcdef',
    );
  });

  it('gives a monthly summary per cost centre as JSON (no grouping, one line per tenant)', async () => {
    const r = await runCli([
      'usage',
      'export',
      '--url',
      url,
      '--tenant',
      'acme,beta',
      '--from',
      '2026-11-01',
      '--to',
      '2026-11-30',
      '--group-by',
      '',
      '--format',
      'json',
    ]);
    expect(r.code).toBe(0);
    const lines = JSON.parse(r.out) as Array<Record<string, unknown>>;
    expect(lines.map((l) => [l.tenant, l.calls])).toEqual([
      ['acme', 3],
      ['acme', 1],
      ['beta', 2],
    ]);
    expect(Object.keys(lines[2]!)).toEqual([
      'tenant',
      'from',
      'to',
      'calls',
      'cacheHits',
      'promptTokens',
      'completionTokens',
      'totalTokens',
      'costUsd',
    ]);
  });

  it('refuses bad arguments and reports what the sidecar said', async () => {
    expect(
      (await runCli(['usage', 'export', '--url', url, '--tenant', 'acme', '--from', '2026-11', '--to', '2026-11-30']))
        .code,
    ).toBe(2);
    expect(
      (
        await runCli([
          'usage',
          'export',
          '--url',
          url,
          '--tenant',
          'acme',
          '--from',
          '2026-11-01',
          '--to',
          '2026-11-30',
          '--group-by',
          'plan',
        ])
      ).err,
    ).toMatch(/--group-by takes application, api, model, day/);
    const bad = await runCli([
      'usage',
      'export',
      '--url',
      url,
      '--tenant',
      'broken',
      '--from',
      '2026-12-05',
      '--to',
      '2026-12-01',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/the sidecar answered 400: from \(2026-12-05\) is after to/);
  });
});
