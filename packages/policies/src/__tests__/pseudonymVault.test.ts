/**
 * The pseudonym vault's invariant, with fast-check: a token is never issued again while a mapping
 * for it can still be restored, whatever the interleaving of issuance, time passing (counters and
 * mappings expiring) and restores, on the sidecar's memory store with a controlled clock. Before,
 * the counter expired with its first mapping and numbering restarted while later mappings lived on.
 */
import fc from 'fast-check';
import { PseudonymVault } from '@synapse-ai/redact';
import { MemoryStore, type Clock } from '@synapse-ai/sdk';

const TTL = 1_000;
const SECRET = 'a-vault-secret-of-32-characters!';

type Action = { kind: 'issue'; value: number } | { kind: 'wait'; ms: number } | { kind: 'restore'; pick: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('issue' as const), value: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 700 }) }),
  fc.record({ kind: fc.constant('restore' as const), pick: fc.nat() }),
);

async function play(actions: readonly Action[], wipeCounters = false): Promise<void> {
  let now = 1_000_000;
  const clock: Clock = { now: () => now, monotonic: () => now };
  const store = new MemoryStore(clock, 0);
  const vault = new PseudonymVault(store, { secret: SECRET, ttlMs: TTL });
  const scope = 't:acme|s:chat-1';
  /** Every hand-out: which value got which token, when. */
  const issued: Array<{ token: string; value: string; at: number }> = [];
  for (const a of actions) {
    if (a.kind === 'wait') now += a.ms;
    else if (a.kind === 'issue') {
      const value = `person${a.value}@example.com`;
      const [token] = await vault.tokensFor(scope, [{ type: 'EMAIL', value }]);
      issued.push({ token: token!, value, at: now });
      if (wipeCounters)
        await store.delete(
          [...(store as unknown as { map: Map<string, unknown> }).map.keys()].find((k) => k.startsWith('pii:ctr:')) ??
            '',
        );
    } else if (issued.length > 0) {
      const { token } = issued[a.pick % issued.length]!;
      const [restored] = await vault.valuesFor(scope, [token]);
      // a restore gives back the value the token was last issued for, or nothing once it expired
      const last = issued.filter((i) => i.token === token).at(-1)!;
      if (restored !== undefined) expect(restored).toBe(last.value);
    }
  }
  // never reissued while restorable: the same token for a different value only after the first mapping expired
  for (let i = 0; i < issued.length; i++) {
    for (let j = i + 1; j < issued.length; j++) {
      const a = issued[i]!;
      const b = issued[j]!;
      if (a.token === b.token && a.value !== b.value) {
        const lastUse = Math.max(
          ...issued
            .slice(0, j)
            .filter((x) => x.token === a.token && x.value === a.value)
            .map((x) => x.at),
        );
        expect(b.at).toBeGreaterThanOrEqual(lastUse + TTL);
      }
    }
  }
}

describe('pseudonym vault', () => {
  it('never hands out a token whose mapping can still be restored (issue, expiry and restore interleaved)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 80 }), (actions) => play(actions)),
      { numRuns: 300 },
    );
  });

  it('keeps the invariant when the counters are lost (a store restart that kept the mappings)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 60 }), (actions) => play(actions, true)),
      { numRuns: 200 },
    );
  });

  it('the case the review found: the counter expires, numbering restarts, a live token is skipped', async () => {
    await play([
      { kind: 'issue', value: 1 }, // <EMAIL_1> at t0; the counter expires at t0 + TTL
      { kind: 'wait', ms: 900 },
      { kind: 'issue', value: 2 }, // <EMAIL_2>, restorable until t0 + 1900
      { kind: 'wait', ms: 200 }, // the counter and <EMAIL_1> have expired
      { kind: 'issue', value: 3 }, // <EMAIL_1> again: free
      { kind: 'issue', value: 4 }, // must not be <EMAIL_2>
      { kind: 'restore', pick: 1 },
    ]);
  });

  it('a token handed out again stays restorable for the whole lifetime after that use', async () => {
    await play([
      { kind: 'issue', value: 1 }, // <EMAIL_1> at t0
      { kind: 'wait', ms: 900 },
      { kind: 'issue', value: 1 }, // handed out again: restorable until t0 + 1900
      { kind: 'wait', ms: 101 }, // the counter has expired
      { kind: 'issue', value: 2 }, // must not be <EMAIL_1>
      { kind: 'restore', pick: 1 },
    ]);
  });
});
