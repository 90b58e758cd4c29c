/** `synapse-ai map suggest` against a local OpenAI-compatible server. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestLlmServer } from '@synapse-ai/llm';
import { runCli } from './runCli';

const server = new TestLlmServer();
let dir: string;
let config: string;
beforeAll(async () => {
  const url = await server.start();
  dir = mkdtempSync(join(tmpdir(), 'sai-map-'));
  config = join(dir, 'sidecar.yaml');
  writeFileSync(
    config,
    `llm:\n  providers:\n    - { name: local, type: compatible, baseURL: "${url}/v1" }\n  chain:\n    - { provider: local, model: m }\n  maxRetries: 0\n`,
  );
  writeFileSync(join(dir, 'sample.xml'), '<order><id>A-1</id><buyer><mail>a@example.com</mail></buyer></order>');
  writeFileSync(
    join(dir, 'target.json'),
    JSON.stringify({
      type: 'object',
      required: ['orderId', 'email'],
      properties: { orderId: { type: 'string' }, email: { type: 'string' } },
    }),
  );
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const args = () => [
  'map',
  'suggest',
  '--sample',
  join(dir, 'sample.xml'),
  '--target',
  join(dir, 'target.json'),
  '--config',
  config,
];

describe('synapse-ai map suggest', () => {
  it('writes the checked mapping, drops rules whose source is not in the sample, exits 0', async () => {
    server.enqueue({
      kind: 'reply',
      content: JSON.stringify({
        mapping: { '$.orderId': '$.order.id', '$.email': '$.order.buyer.mail', '$.phone': '$.order.buyer.phone' },
      }),
    });
    const out = join(dir, 'mapping.json');
    const r = await runCli([...args(), '--out', out]);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({
      mapping: { '$.orderId': '$.order.id', '$.email': '$.order.buyer.mail' },
    });
    expect(r.err).toMatch(
      /2 rules kept, 1 dropped \(their source is not in the sample\): \$\.phone ← \$\.order\.buyer\.phone/,
    );
    expect(r.err).toMatch(/satisfies the target schema/);
    const sent = JSON.stringify(server.requests.at(-1)!.body);
    expect(sent).toContain('a@example.com');
  });

  it('exits 1 when the mapped sample breaks the target schema', async () => {
    server.enqueue({ kind: 'reply', content: JSON.stringify({ mapping: { '$.orderId': '$.order.id' } }) });
    const r = await runCli(args());
    expect(r.code).toBe(1);
    expect(r.out).toContain('"$.orderId": "$.order.id"');
    expect(r.err).toMatch(/does not satisfy the target schema: .*email/);
  });

  it('exits 2 when the model answers garbage, or no LLM is configured', async () => {
    server.enqueue({ kind: 'reply', content: 'no' }, { kind: 'reply', content: '{"map":1}' });
    const g = await runCli(args());
    expect(g.code).toBe(2);
    expect(g.err).toMatch(/the model did not give a usable mapping/);
    writeFileSync(join(dir, 'empty.yaml'), 'server: { port: 8088 }\n');
    const n = await runCli([
      'map',
      'suggest',
      '--sample',
      join(dir, 'sample.xml'),
      '--target',
      join(dir, 'target.json'),
      '--config',
      join(dir, 'empty.yaml'),
    ]);
    expect(n.code).toBe(2);
    expect(n.err).toMatch(/no LLM is configured/);
  });

  it('exits 2 on usage errors', async () => {
    expect((await runCli(['map', 'propose'])).err).toMatch(/expected `synapse-ai map suggest`/);
    expect((await runCli(['map', 'suggest', '--target', 'x'])).err).toMatch(/--sample FILE is required/);
  });
});
