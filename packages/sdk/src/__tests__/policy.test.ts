import { definePolicy, proceed, block } from '../policy';
import { type SaiError } from '../errors';

const meta = {
  name: 'demo-policy',
  version: '1.0.0',
  description: 'demo',
  flows: ['request'] as const,
  stage: 'transform' as const,
  priority: 1,
};

describe('definePolicy', () => {
  it('rejects a malformed declaration with every problem named', () => {
    expect(() =>
      definePolicy({
        meta: { ...meta, name: 'Bad_Name', version: '1', flows: [], description: '' } as never,
        handler: () => proceed(),
      }),
    ).toThrow(
      /meta.name must be kebab-case.*"Bad_Name".*meta.version must be a semantic version.*meta.description must be a non-empty sentence.*meta.flows must list one or more/,
    );
  });

  it('rejects a schema that does not compile, naming which one', () => {
    expect(() =>
      definePolicy({ meta, options: { type: 'object', nonsense: true } as never, handler: () => proceed() }),
    ).toThrow(/demo-policy.*options schema does not compile.*nonsense/);
  });

  it('refuses meta.accepts other than json with an input schema', () => {
    expect(() =>
      definePolicy({ meta: { ...meta, accepts: ['xml'] }, input: { type: 'object' }, handler: () => proceed() }),
    ).toThrow(/accepts only json/);
  });

  it('validates options once, fills defaults and freezes them', () => {
    const p = definePolicy({
      meta,
      options: {
        type: 'object',
        properties: {
          n: { type: 'integer', minimum: 1, default: 3 },
          tags: { type: 'array', items: { type: 'string' }, default: [] },
        },
        additionalProperties: false,
      },
      handler: (_m, ctx) => proceed({ json: { n: ctx.options.n } }),
    });
    const opts = p.resolveOptions({}) as { n: number; tags: string[] };
    expect(opts).toEqual({ n: 3, tags: [] });
    expect(Object.isFrozen(opts)).toBe(true);
    expect(Object.isFrozen(opts.tags)).toBe(true);
    let err: SaiError | undefined;
    try {
      p.resolveOptions({ n: 0, extra: 1 });
    } catch (e) {
      err = e as SaiError;
    }
    expect(err?.code).toBe('SAI_ERR_INVALID_OPTIONS');
    expect(err?.message).toBe(
      'Invalid options for policy "demo-policy": options.extra is not a known setting (check the spelling; remove it if it is not needed); options.n must be >= 1 (got 0)',
    );
  });

  it('refuses options for a policy that takes none', () => {
    const p = definePolicy({ meta, handler: () => proceed() });
    expect(() => p.resolveOptions({ x: 1 })).toThrow(/takes no options \(got x\)/);
    expect(p.resolveOptions(undefined)).toEqual({});
  });

  it('describe() gives what a generator needs', () => {
    const p = definePolicy({
      meta: { ...meta, flows: ['request', 'response'] },
      options: {
        type: 'object',
        required: ['mode'],
        properties: {
          mode: { enum: ['a', 'b'], description: 'which mode' },
          limit: { type: 'integer', default: 10 },
          token: { type: 'string', 'x-secret': true, pattern: '^[A-Za-z0-9]+$' },
        },
      },
      handler: () => proceed(),
    });
    const d = p.describe();
    expect(d).toMatchObject({
      name: 'demo-policy',
      version: '1.0.0',
      flows: ['request', 'response'],
      route: '/v1/policies/demo-policy',
      accepts: ['json', 'xml', 'text', 'empty'],
      requiresLlm: false,
    });
    expect(d.attributes).toEqual([
      {
        name: 'mode',
        type: 'enum',
        required: true,
        secret: false,
        description: 'which mode',
        allowedValues: ['a', 'b'],
      },
      { name: 'limit', type: 'integer', required: false, secret: false, default: 10 },
      { name: 'token', type: 'string', required: false, secret: true, pattern: '^[A-Za-z0-9]+$' },
    ]);
  });

  it('block() carries a catalogue code and a client-safe message', () => {
    const r = block('SAI_ERR_POLICY_BLOCKED', 'Not allowed.', { logDetail: { rule: 'deny-1' } });
    expect(r.action).toBe('block');
    expect(r.error.status).toBe(403);
    expect(r.error.message).toBe('Not allowed.');
    expect(r.error.logDetail).toEqual({ rule: 'deny-1' });
  });
});
