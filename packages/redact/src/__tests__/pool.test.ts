import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { redact } from '../redact';
import { RedactPool } from '../pool';
import { PseudonymVault, redactWithPseudonyms, type VaultStore } from '../vault';

/** A store in a Map (TTLs ignored: the test is shorter than any). */
function mapStore(): VaultStore {
  const m = new Map<string, string>();
  return {
    get: (k) => Promise.resolve(m.get(k)),
    set: (k, v) => Promise.resolve(void m.set(k, v)),
    setIfAbsent: (k, v) => Promise.resolve(m.has(k) ? false : (m.set(k, v), true)),
    incr: (k, by = 1) => {
      const n = Number(m.get(k) ?? 0) + by;
      m.set(k, String(n));
      return Promise.resolve(n);
    },
  };
}

const pool = new RedactPool({ size: 1, minChars: 1024 });
afterAll(() => pool.close());

const big = (n: number): string =>
  Array.from({ length: n }, (_, i) => `Customer ${i} wrote from c${i}@example.com, card 4111 1111 1111 1111.`).join(
    '\n',
  );

describe('redaction in worker threads', () => {
  it('gives the same result as redaction in place', async () => {
    const text = big(2000);
    const opts = { contentType: 'text/plain', deadline: performance.now() + 10_000 };
    const inPlace = redact(text, opts);
    const pooled = await pool.run(text, opts);
    expect(pooled.result).toEqual(inPlace);
  });

  it('stops a runaway custom pattern at the budget by terminating its worker, then serves the next job', async () => {
    // a pattern with catastrophic backtracking: only terminating the thread stops it
    const hostile = `${'a'.repeat(40)}!`.repeat(40);
    const started = performance.now();
    await expect(
      pool.run(hostile, {
        contentType: 'text/plain',
        custom: [{ type: 'RUNAWAY', pattern: '(a+)+$' }],
        deadline: performance.now() + 300,
      }),
    ).rejects.toMatchObject({ code: 'REDACT_TIMEOUT' });
    expect(pool.terminated).toBe(1);
    expect(performance.now() - started).toBeLessThan(5000); // the budget and its grace, not the pattern's years
    const next = await pool.run(big(100), { contentType: 'text/plain' });
    expect(next.result.summary).toMatchObject({ EMAIL: 100, CREDIT_CARD: 100 });
  });

  it('reports errors from the worker with their code', async () => {
    await expect(
      pool.run(big(100), { contentType: 'text/plain', operators: { '*': { op: 'hash' } } }),
    ).rejects.toMatchObject({ code: 'REDACT_CONFIG' });
  });

  it('pseudonymizes large bodies through the worker, with the vault on this thread', async () => {
    const vault = new PseudonymVault(mapStore(), { secret: 'pool-test-secret-0123456789' });
    const text = big(300);
    const out = await redactWithPseudonyms(
      text,
      { contentType: 'text/plain', operators: { EMAIL: { op: 'pseudonymize' } } },
      vault,
      's1',
      pool,
    );
    expect(out.body).toContain('<EMAIL_1>');
    expect(out.body).toContain('<EMAIL_300>');
    expect(out.body).not.toContain('@example.com');
  });

  it('keeps detectors with function validators in this thread (functions cannot cross threads)', async () => {
    const text = big(50);
    const r = await pool.run(text, {
      contentType: 'text/plain',
      custom: [{ type: 'CUSTOMER', pattern: 'Customer \\d+', validator: (m) => m.endsWith('7') }],
    });
    expect(r.result.summary.CUSTOMER).toBe(5);
  });

  it('never keeps the process alive once idle (a process that used it exits by itself)', () => {
    const dist = join(__dirname, '..', '..', 'dist', 'index.js');
    const script = `const { RedactPool } = require(${JSON.stringify(dist)});
      new RedactPool({ minChars: 10 }).run('mail a@b.co '.repeat(10), { contentType: 'text/plain' })
        .then((r) => console.log(r.result.summary.EMAIL));`;
    // a worker that held the process would make this time out
    expect(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 15_000 }).trim()).toBe('10');
  });
});
