import { join } from 'node:path';
import { MemoryStore, PolicyTester, type LlmHooks } from '@synapse-ai/sdk';
import riskScore, { distanceKm, features, score, WEIGHTS } from '..';
import { runPolicy, useTestLlm } from '../../__tests__/harness';

const fixtures = PolicyTester.loadFixtures(join(__dirname, '../fixtures'));
PolicyTester.run(riskScore, {
  valid: fixtures.valid,
  invalid: [
    ...fixtures.invalid,
    {
      name: 'bad login time',
      body: { userId: 'u', loginTime: 'yesterday' },
      error: { code: 'SAI_ERR_INPUT_INVALID', status: 422 },
    },
    {
      name: 'thresholds out of range',
      options: { denyAt: 2 },
      body: { userId: 'u' },
      error: { code: 'SAI_ERR_INVALID_OPTIONS' },
    },
  ],
});

describe('the deterministic model', () => {
  it('has weights that add up to 1', () => expect(Object.values(WEIGHTS).reduce((a, b) => a + b, 0)).toBeCloseTo(1));
  it('measures distances', () =>
    expect(distanceKm({ lat: 51.5, lon: -0.12 }, { lat: 40.71, lon: -74.0 })).toBeCloseTo(5570, -1));
  it('scores the worst case 1 and a known, quiet login 0', () => {
    expect(score({ geoVelocity: 1, newDevice: 1, oddHour: 1, failureBurst: 1 })).toBe(1);
    const quiet = features(
      { loginTime: Date.parse('2026-11-02T09:00:00Z'), deviceFingerprint: 'd', recentFailures: 0 },
      { devices: ['d'], hours: Array(24).fill(1) },
    );
    expect(score(quiet.f)).toBe(0);
    expect(quiet.reasons).toEqual([]);
  });
});

describe('risk-score with history', () => {
  async function login(store: MemoryStore, body: object, options: object = {}, llm?: LlmHooks) {
    return runPolicy<{ score: number; decision: string; reasons: string[]; explanation?: string }>(riskScore, body, {
      options,
      store,
      ...(llm ? { llm } : {}),
    });
  }

  it('allows a known device in the usual place, steps up a new device, denies impossible travel with failures', async () => {
    const store = new MemoryStore();
    const london = { lat: 51.5, lon: -0.12 };
    for (let d = 1; d <= 12; d++) {
      await login(store, {
        userId: 'ada',
        deviceFingerprint: 'laptop',
        geo: london,
        loginTime: `2026-10-${String(d).padStart(2, '0')}T09:00:00Z`,
      });
    }
    expect(
      (
        await login(store, {
          userId: 'ada',
          deviceFingerprint: 'laptop',
          geo: london,
          loginTime: '2026-10-20T09:30:00Z',
        })
      ).decision,
    ).toBe('allow');
    const phone = await login(
      store,
      { userId: 'ada', deviceFingerprint: 'phone', geo: london, loginTime: '2026-10-21T09:00:00Z', recentFailures: 1 },
      { stepUpAt: 0.25 },
    );
    expect(phone).toMatchObject({ decision: 'step_up', reasons: ['new device', '1 recent failed attempt'] });
    const sydney = await login(store, {
      userId: 'ada',
      deviceFingerprint: 'unknown',
      geo: { lat: -33.87, lon: 151.21 },
      loginTime: '2026-10-21T10:00:00Z',
      recentFailures: 6,
    });
    expect(sydney.decision).toBe('deny');
    expect(sydney.reasons[0]).toMatch(/^impossible travel: \d+ km in 1\.0 h$/);
    await store.close();
  });

  it('flags an odd hour once there is enough history', async () => {
    const store = new MemoryStore();
    for (let d = 1; d <= 12; d++)
      await login(store, {
        userId: 'bo',
        deviceFingerprint: 'x',
        loginTime: `2026-10-${String(d).padStart(2, '0')}T14:00:00Z`,
      });
    const night = await login(store, { userId: 'bo', deviceFingerprint: 'x', loginTime: '2026-10-20T03:00:00Z' });
    expect(night.reasons).toEqual(['unusual hour (3:00 UTC)']);
    await store.close();
  });

  describe('with a model explanation', () => {
    const test = useTestLlm();
    const server = test.server;

    it('adds the explanation, and the model cannot change the score', async () => {
      const store = new MemoryStore();
      server.enqueue({ kind: 'reply', content: '{"explanation":"Six failed attempts just before this login."}' });
      const r = await login(store, { userId: 'cy', recentFailures: 6 }, { explain: true }, test.llm());
      expect(r).toMatchObject({
        score: 0.25,
        decision: 'allow',
        explanation: 'Six failed attempts just before this login.',
        notes: ['risk-score=explanation: model'],
      });
      server.enqueue({ kind: 'reply', content: 'garbage' }, { kind: 'reply', content: '{}' });
      const g = await login(store, { userId: 'cy', recentFailures: 6 }, { explain: true }, test.llm());
      expect(g.explanation).toBeUndefined();
      expect(g.notes[0]).toMatch(/^risk-score=explanation: none/);
      await store.close();
    });
  });
});
