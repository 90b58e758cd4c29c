import { join } from 'node:path';
import { MemoryStore, PolicyTester, type LlmHooks } from '@synapse-ai/sdk';
import riskScore, { clientOf, distanceKm, features, inCidr, isPrivateAddress, score, WEIGHTS } from '..';
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
    {
      name: 'a bad address range',
      options: { addresses: { risky: ['not an address'] } },
      body: { userId: 'u' },
      error: { code: 'SAI_ERR_INVALID_OPTIONS' },
    },
  ],
});

const BROWSER =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

describe('the deterministic model', () => {
  it('measures distances', () =>
    expect(distanceKm({ lat: 51.5, lon: -0.12 }, { lat: 40.71, lon: -74.0 })).toBeCloseTo(5570, -1));

  it('tells automation clients and headless browsers from browsers, with the maintained parser', () => {
    expect(clientOf('python-requests/2.28.1')).toEqual({ kind: 'automation', name: 'python-requests' });
    expect(clientOf('curl/8.5.0').kind).toBe('automation');
    expect(clientOf('Go-http-client/2.0').kind).toBe('automation');
    expect(
      clientOf(
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
      ).kind,
    ).toBe('automation');
    expect(clientOf(BROWSER)).toEqual({ kind: 'browser', name: 'Chrome' });
    expect(
      clientOf(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
      ),
    ).toEqual({ kind: 'browser', name: 'Mobile Safari' });
    expect(clientOf('').kind).toBe('none');
    expect(clientOf('x7-agent').kind).toBe('unknown');
  });

  it('matches addresses against CIDR lists, IPv4 and IPv6, and knows private ranges', () => {
    expect(inCidr('203.0.113.77', '203.0.113.0/24')).toBe(true);
    expect(inCidr('203.0.114.1', '203.0.113.0/24')).toBe(false);
    expect(inCidr('2001:db8:1::5', '2001:db8::/32')).toBe(true);
    expect(inCidr('2001:db9::1', '2001:db8::/32')).toBe(false);
    expect(inCidr('::ffff:10.0.0.1', '::ffff:10.0.0.0/104')).toBe(true);
    for (const ip of ['10.1.2.3', '172.20.0.1', '192.168.1.1', '127.0.0.1', '::1', 'fd00::1', 'fe80::1'])
      expect([ip, isPrivateAddress(ip)]).toEqual([ip, true]);
    for (const ip of ['8.8.8.8', '172.32.0.1', '2001:4860:4860::8888'])
      expect([ip, isPrivateAddress(ip)]).toEqual([ip, false]);
  });

  it('scores everything at once as 1, and a known, quiet login as 0', () => {
    const all = Object.fromEntries(Object.keys(WEIGHTS).map((k) => [k, 1])) as never;
    expect(score(all)).toBe(1);
    const quiet = features(
      {
        loginTime: Date.parse('2026-11-02T09:00:00Z'),
        localHour: 9,
        client: { kind: 'browser', name: 'Chrome' },
        ip: '81.2.69.160',
        privateAddress: false,
        deviceFingerprint: 'd',
        recentFailures: 0,
        user: true,
      },
      { devices: ['d'], networks: ['81.2.69.0/24'], countries: ['GB'], hours: Array(24).fill(1) as number[] },
    );
    expect(score(quiet.f)).toBe(0);
    expect(quiet.reasons).toEqual([]);
  });
});

describe('risk-score with the Identity Server body', () => {
  const run = (body: object, options: object = {}, store = new MemoryStore()) =>
    runPolicy<{ riskScore: number; decision: string; reasons: string[]; signals: Record<string, unknown> }>(
      riskScore,
      body,
      { options, store },
    );

  it('steps up a scripted client at 03:30 from an unknown address, and lets a browser at noon through', async () => {
    const scripted = await run({
      ip: '203.0.113.1',
      userAgent: 'python-requests/2.28.1',
      loginTime: '2024-05-15T03:30:00Z',
    });
    expect(scripted.riskScore).toBeGreaterThan(0.7); // the script's `riskScore > 0.7` asks for a second factor
    expect(scripted.decision).toBe('step_up');
    const browser = await run({ ip: '81.2.69.160', userAgent: BROWSER, loginTime: '2024-05-15T12:00:00Z' });
    expect(browser.riskScore).toBeLessThanOrEqual(0.7);
    expect(browser).toMatchObject({ decision: 'allow', signals: { client: 'browser', country: 'GB', localHour: 13 } });
  });

  it('reads the hour where the user is: the login time offset, else the time zone of the address', async () => {
    // 12:30 UTC is 22:30 in Sydney: not night; 18:30 UTC is 04:30 there: night
    const sydney = '1.128.0.1';
    const evening = await run({ ip: sydney, userAgent: BROWSER, loginTime: '2024-05-15T12:30:00Z' });
    expect(evening.signals).toMatchObject({ country: 'AU', localHour: 22 });
    const night = await run({ ip: sydney, userAgent: BROWSER, loginTime: '2024-05-15T18:30:00Z' });
    expect(night.reasons).toContain('night-time login (4:00)');
    const offset = await run({ userAgent: BROWSER, loginTime: '2024-05-15T02:10:00-07:00' });
    expect(offset.signals.localHour).toBe(2);
  });

  it('denies a blocked address, raises a risky one, and trusts an office range', async () => {
    const addresses = { blocked: ['198.51.100.0/24'], risky: ['192.0.2.0/24'], trusted: ['203.0.113.0/24'] };
    expect((await run({ ip: '198.51.100.9', userAgent: BROWSER }, { addresses })).decision).toBe('deny');
    const risky = await run({ ip: '192.0.2.10', userAgent: BROWSER, loginTime: '2024-05-15T12:00:00Z' }, { addresses });
    expect(risky.reasons).toContain('address on the risky list');
    const office = await run(
      { ip: '203.0.113.9', userAgent: BROWSER, loginTime: '2024-05-15T12:00:00Z' },
      { addresses },
    );
    expect(office.riskScore).toBe(0);
  });

  it('refuses thresholds that cannot work when the sidecar starts', () => {
    expect(riskScore.check(riskScore.resolveOptions({ stepUpAbove: 0.9, denyAt: 0.8 }), {})).toEqual([
      'denyAt must be above stepUpAbove. Fix: e.g. stepUpAbove: 0.7, denyAt: 0.9.',
    ]);
    expect(riskScore.check(riskScore.resolveOptions({}), {})).toEqual([]);
  });
});

describe('risk-score with history', () => {
  async function login(store: MemoryStore, body: object, options: object = {}, llm?: LlmHooks) {
    return runPolicy<{ score: number; decision: string; reasons: string[]; explanation?: string }>(
      riskScore,
      { userAgent: BROWSER, ...body },
      { options, store, ...(llm ? { llm } : {}) },
    );
  }

  it('allows a known device and address, notes a new device, denies impossible travel with failures', async () => {
    const store = new MemoryStore();
    const london = { lat: 51.5, lon: -0.12 };
    for (let d = 1; d <= 12; d++) {
      await login(store, {
        userId: 'ada',
        ip: '81.2.69.160',
        deviceFingerprint: 'laptop',
        geo: london,
        loginTime: `2026-10-${String(d).padStart(2, '0')}T09:00:00Z`,
      });
    }
    const usual = await login(store, {
      userId: 'ada',
      ip: '81.2.69.161',
      deviceFingerprint: 'laptop',
      geo: london,
      loginTime: '2026-10-20T09:30:00Z',
    });
    expect(usual).toMatchObject({ score: 0, decision: 'allow' });
    const phone = await login(store, {
      userId: 'ada',
      ip: '81.2.69.160',
      deviceFingerprint: 'phone',
      geo: london,
      loginTime: '2026-10-21T09:00:00Z',
      recentFailures: 1,
    });
    expect(phone).toMatchObject({ decision: 'allow', reasons: ['new device', '1 recent failed attempt'] });
    const sydney = await login(store, {
      userId: 'ada',
      ip: '1.128.0.1',
      deviceFingerprint: 'unknown',
      geo: { lat: -33.87, lon: 151.21, country: 'AU' },
      loginTime: '2026-10-21T10:00:00Z',
      recentFailures: 6,
    });
    expect(sydney.decision).toBe('deny');
    expect(sydney.reasons).toEqual(
      expect.arrayContaining([expect.stringMatching(/^impossible travel: \d+ km in 1\.0 h$/), 'new country (AU)']),
    );
    await store.close();
  });

  it('flags an odd hour against the user’s own pattern once there is enough history', async () => {
    const store = new MemoryStore();
    for (let d = 1; d <= 12; d++)
      await login(store, {
        userId: 'bo',
        deviceFingerprint: 'x',
        loginTime: `2026-10-${String(d).padStart(2, '0')}T01:00:00Z`,
      });
    // a night owl: 01:00 is usual for bo, 14:00 is not
    expect(
      (await login(store, { userId: 'bo', deviceFingerprint: 'x', loginTime: '2026-10-20T01:10:00Z' })).reasons,
    ).toEqual([]);
    const day = await login(store, { userId: 'bo', deviceFingerprint: 'x', loginTime: '2026-10-20T14:00:00Z' });
    expect(day.reasons).toEqual(['unusual hour for this user (14:00)']);
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
        score: 0.4,
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
