/**
 * @fileoverview Bearer-token authentication. Tokens are compared in constant time: both sides are
 * hashed to a fixed length and every configured token is checked, so timing reveals neither length
 * nor which token nearly matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class TokenAuth {
  private readonly digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map(digest);
  }

  /** True when no token is configured (allowed only on loopback; see `startSidecar`). */
  get open(): boolean {
    return this.digests.length === 0;
  }

  /** Checks an `Authorization` header value. */
  check(header: string | undefined): boolean {
    if (this.open) return true;
    if (header === undefined) return false;
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    const given = digest(m?.[1] ?? '');
    let ok = false;
    for (const d of this.digests) ok = timingSafeEqual(d, given) || ok;
    return ok && m !== null;
  }
}
