import { MemoryStore, silentLogger, type Clock } from '../context';
import { parsePayload, serializePayload, type Message } from '../message';
import { definePolicy, proceed } from '../policy';
import { mountPolicy, PolicyChain } from '../runtime';

const meta = (name: string, flows: ('request' | 'response' | 'fault')[] = ['request']) => ({
  name,
  version: '1.0.0',
  description: name,
  flows,
  stage: 'transform' as const,
  priority: 1,
});

const msg = (body: string, contentType = 'application/json'): Message => ({
  payload: parsePayload(Buffer.from(body), contentType),
  contentType,
  headers: {},
  context: { correlationId: 'c-1', flow: 'request' },
});

const store = new MemoryStore(undefined, 0);
const services = { logger: silentLogger, store };
afterAll(() => store.close());

describe('PolicyChain', () => {
  const addA = definePolicy({
    meta: meta('add-a', ['request', 'response']),
    input: { type: 'object' },
    handler: (m) => proceed({ json: { ...m.payload.value, a: 1 }, headers: { 'X-A': '1' } }),
  });
  const toText = definePolicy({
    meta: meta('to-text'),
    handler: (m) => proceed({ text: serializePayload(m.payload) }),
  });
  const slow = definePolicy({
    meta: meta('slow'),
    handler: () => new Promise((resolve) => setTimeout(() => resolve(proceed()), 200)),
  });

  it('runs steps in order, passing each result on, and merges headers', async () => {
    const chain = new PolicyChain('p', [mountPolicy(addA), mountPolicy(toText)]);
    const out = await chain.execute(msg('{"x":1.0}'), services);
    expect(out.kind).toBe('continue');
    if (out.kind !== 'continue') return;
    expect(out.payload).toEqual({ kind: 'text', text: '{"x":1.0,"a":1}' });
    expect(out.contentType).toBe('text/plain');
    expect(out.headers).toEqual({ 'X-A': '1' });
    expect(out.decision).toBe('modified');
    expect(out.timings.map((t) => t.name)).toEqual(['add-a', 'to-text']);
  });

  it('serves only the flows all its steps support', () => {
    expect(new PolicyChain('p', [mountPolicy(addA), mountPolicy(toText)]).flows).toEqual(['request']);
  });

  it('times out with SAI_ERR_POLICY_TIMEOUT', async () => {
    const out = await new PolicyChain('s', [mountPolicy(slow)]).execute(msg('{}'), { ...services, timeoutMs: 20 });
    expect(out.kind === 'block' && out.error.code).toBe('SAI_ERR_POLICY_TIMEOUT');
  });

  it('reports a cancelled call as unavailable', async () => {
    const ac = new AbortController();
    const pending = new PolicyChain('s', [mountPolicy(slow)]).execute(msg('{}'), { ...services, signal: ac.signal });
    ac.abort();
    const out = await pending;
    expect(out.kind === 'block' && out.error.code).toBe('SAI_ERR_UNAVAILABLE');
  });

  it('rejects output that breaks the output schema, and malformed XML output', async () => {
    const badOut = definePolicy({
      meta: meta('bad-out'),
      output: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
      handler: () => proceed({ json: { nope: true } as never }),
    });
    const badXml = definePolicy({ meta: meta('bad-xml'), handler: () => proceed({ xml: '<a><b></a>' }) });
    const two = definePolicy({ meta: meta('two'), handler: () => proceed({ xml: '<a/>', text: 'x' }) });
    const junk = definePolicy({ meta: meta('junk'), handler: () => 'yes' as never });
    for (const [p, code] of [
      [badOut, 'SAI_ERR_OUTPUT_INVALID'],
      [badXml, 'SAI_ERR_INTERNAL'],
      [two, 'SAI_ERR_INTERNAL'],
      [junk, 'SAI_ERR_INTERNAL'],
    ] as const) {
      const out = await new PolicyChain('x', [mountPolicy(p)]).execute(msg('{}'), services);
      expect(out.kind === 'block' && [out.error.code, out.blockedBy]).toEqual([code, p.meta.name]);
      if (out.kind === 'block') expect(out.error.message).not.toMatch(/nope|malformed|more than one|returned/i);
    }
  });

  it('trusts output a serializer marks wellFormed, and checks it anyway when asked to verify', async () => {
    const xmlOut = definePolicy({
      meta: meta('xml-out'),
      handler: () => proceed({ xml: '<a><b></a>', wellFormed: true }),
    });
    const jsonOut = definePolicy({
      meta: meta('json-out'),
      handler: () => proceed({ jsonText: '{"a":', wellFormed: true }),
    });
    const good = definePolicy({
      meta: meta('good-out'),
      handler: () => proceed({ jsonText: '{"a": 1.50}', wellFormed: true }),
    });
    for (const p of [xmlOut, jsonOut]) {
      // production: not parsed again (the serializer answers for it)
      const trusted = await new PolicyChain('x', [mountPolicy(p)]).execute(msg('{}'), services);
      expect(trusted.kind).toBe('continue');
      // PolicyTester's mode: the same output is checked and refused
      const verified = await new PolicyChain('x', [mountPolicy(p)]).execute(msg('{}'), {
        ...services,
        verifyOutput: true,
      });
      expect(verified.kind === 'block' && verified.error.code).toBe('SAI_ERR_INTERNAL');
    }
    const out = await new PolicyChain('g', [mountPolicy(good)]).execute(msg('{}'), services);
    expect(out.kind === 'continue' && serializePayload(out.payload)).toBe('{"a": 1.50}');
  });

  it('says allow when nothing changed', async () => {
    const echo = definePolicy({ meta: meta('noop'), handler: () => proceed() });
    const out = await new PolicyChain('n', [mountPolicy(echo)]).execute(msg('<a/>', 'application/xml'), services);
    expect(out.kind === 'continue' && [out.decision, out.contentType]).toEqual(['allow', 'application/xml']);
  });
});

describe('MemoryStore', () => {
  let now = 1_000;
  const clock: Clock = { now: () => now, monotonic: () => now };

  it('expires keys after their TTL and counts atomically', async () => {
    const s = new MemoryStore(clock, 0);
    await s.set('k', 'v', 100);
    expect(await s.get('k')).toBe('v');
    now += 100;
    expect(await s.get('k')).toBeUndefined();
    expect(await s.incr('n', 2, 50)).toBe(2);
    expect(await s.incr('n')).toBe(3);
    now += 50;
    expect(await s.incr('n')).toBe(1);
    await s.set('x', 'not a number');
    await expect(s.incr('x')).rejects.toThrow(/does not hold an integer/);
    expect(await s.delete('x')).toBe(true);
    s.sweep();
    expect(s.size).toBe(1);
    await s.close();
  });
});
