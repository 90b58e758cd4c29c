import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '@synapse-ai/sidecar';
import { runCli } from './runCli';

const run = (argv: string[], stdin = '') => runCli(argv, stdin);

const dir = mkdtempSync(join(tmpdir(), 'sai-transform-'));

describe('synapse-ai transform', () => {
  it('converts JSON from stdin to XML', async () => {
    const res = await run(['transform', '--to', 'xml'], '{"order":{"total":500.0,"items":[1,2]}}');
    expect(res).toEqual({
      code: 0,
      out: '<jsonObject><order><total>500.0</total><items>1</items><items>2</items></order></jsonObject>\n',
      err: '',
    });
  });

  it('converts XML from a file to JSON with properties from flags and a synapse.properties file', async () => {
    const xml = join(dir, 'in.xml');
    writeFileSync(xml, '<r><_JsonReader_PD_1>25e1</_JsonReader_PD_1><a>1</a><a>2</a></r>');
    const props = join(dir, 'synapse.properties');
    writeFileSync(
      props,
      '# gateway settings\nsynapse.commons.json.output.jsonoutAutoArray=false\nsynapse.threads.core = 20\n',
    );
    const res = await run([
      'transform',
      '--to',
      'json',
      '--properties',
      props,
      '-p',
      'synapse.commons.json.output.autoPrimitive=false',
      xml,
    ]);
    expect(res).toEqual({ code: 0, out: '{"r":{"1":"25e1","a":"1","a":"2"}}\n', err: '' });
  });

  it('exits 1 naming where the input cannot be converted', async () => {
    const res = await run(['transform', '--to', 'xml'], '{\n "first name": 1}');
    expect(res.code).toBe(1);
    expect(res.err).toMatch(
      /The JSON key "first name" at line 2, column 2 .*buildValidNCNames=true .*\[JSONXML_INVALID_NAME\]/,
    );
  });

  it('exits 1 on invalid UTF-8 instead of converting mojibake', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]));
    const res = await run(['transform', '--to', 'xml', bad]);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/bad\.json: The input is not valid UTF-8 \(first bad byte at offset 6\)/);
  });

  it.each([
    [['transform'], /--to must be xml or json/],
    [['transform', '--to', 'yaml'], /--to must be xml or json \(got "yaml"\)/],
    [['transform', '--to', 'xml', '-p', 'novalue'], /--property takes key=value/],
    [
      ['transform', '--to', 'xml', '-p', 'synapse.commons.json.buildValidNCNames=maybe'],
      /must be true or false \(got "maybe"\)/,
    ],
    [['transform', '--to', 'xml', join(dir, 'missing.json')], /cannot read .*missing\.json \(ENOENT\)/],
    [['transform', '--to', 'xml', 'a', 'b'], /give one input file/],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const res = await run(argv, '{}');
    expect(res.code).toBe(2);
    expect(res.err).toMatch(message);
  });
});

describe('synapse-ai redact', () => {
  it('redacts JSON from stdin, keeping structure, and exits 1 when it found something', async () => {
    const res = await run(['redact'], '{"email":"ada@example.com","total":500.0}');
    expect(res).toEqual({ code: 1, out: '{"email":"<EMAIL>","total":500.0}\n', err: 'synapse-ai redact: EMAIL=1\n' });
  });

  it('reads XML from a file by its name, and exits 0 when nothing is found', async () => {
    const xml = join(dir, 'clean.xml');
    writeFileSync(xml, '<a><b>nothing here</b></a>');
    expect(await run(['redact', xml])).toEqual({
      code: 0,
      out: '<a><b>nothing here</b></a>\n',
      err: 'synapse-ai redact: nothing found\n',
    });
  });

  it('honours --type, --types and --country', async () => {
    const res = await run(
      ['redact', '--type', 'text', '--types', 'PHONE', '--country', 'GB'],
      'ring 020 7946 0958 or ada@example.com',
    );
    expect(res.out).toBe('ring <PHONE> or ada@example.com\n');
  });

  it.each([
    [['redact', '--type', 'csv'], /--type must be json, xml or text/],
    [['redact', '--country', 'usa'], /--country takes a two-letter region/],
    [['redact', '--type', 'json'], /Malformed JSON at line 1, column 2 \(offset 1\): expected a key/],
  ])('%j is an error (exit 2)', async (argv, message) => {
    const res = await run(argv, '{broken');
    expect(res.code).toBe(2);
    expect(res.err).toMatch(message);
  });
});

describe('synapse-ai audit verify', () => {
  it('reports an intact chain (exit 0) and the first broken link (exit 1)', async () => {
    const file = join(dir, 'audit.log');
    const log = new AuditLog({ file });
    log.append({ policy: 'echo', decision: 'allow' });
    log.append({ policy: 'echo', decision: 'allow' });
    log.close();
    expect(await run(['audit', 'verify', file])).toEqual({
      code: 0,
      out: 'audit chain intact: 2 records in 1 file, up to the sealed head\n',
      err: '',
    });
    // the newest record removed: the chain is intact but short of its head
    const whole = readFileSync(file, 'utf8');
    writeFileSync(file, `${whole.split('\n')[0]}\n`);
    const short = await run(['audit', 'verify', file]);
    expect(short.code).toBe(1);
    expect(short.out).toMatch(/the newest 1 record was removed/);
    writeFileSync(file, whole);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/"decision":"allow"/, '"decision":"block"'));
    const broken = await run(['audit', 'verify', file]);
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/audit chain broken at .*audit\.log:1 \(seq 1\): its hash does not match its content/);
  });

  it.each([
    [['audit']],
    [['audit', 'check', 'x']],
    [['audit', 'verify']],
    [['audit', 'verify', '/nonexistent/audit.log']],
  ])('%j is a usage error', async (argv) => {
    expect((await run(argv)).code).toBe(2);
  });
});
