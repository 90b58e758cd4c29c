/**
 * The detectors rewritten to run in linear time must find what the plain patterns they replace
 * found (those patterns were right, only slow): checked on generated texts made of the fragments
 * the patterns react to.
 */
import fc from 'fast-check';
import { detect } from '../detectors';

// the patterns as they were, with lazy scans that made them quadratic on hostile text
const OLD_PRIVATE_KEY =
  /-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----[\s\S]*?-----END \1-----/g;
const OLD_CONN =
  /(?<![A-Za-z])(?:server|host|data source|address|addr)\s*=[^;"'<>]*;[^"'<>]*?(?:password|pwd)\s*=\s*[^;"'<>\s]+;?/gi;
const OLD_JDBC = /\bjdbc:[a-z0-9]+:[^\s"'<>]*?[?&;](?:password|pwd)=[^&;\s"'<>]+[^\s"'<>]*/gi;

const spans = (re: RegExp, t: string): string[] =>
  [...t.matchAll(re)].map((m) => `${m.index}-${m.index + m[0].length}`);

const text = (fragments: string[]) => fc.array(fc.constantFrom(...fragments), { maxLength: 40 }).map((a) => a.join(''));

describe('linear detectors agree with the patterns they replace', () => {
  it('private-key blocks: every block the old pattern found (with a real body) is still found', () => {
    // the detector now also takes blocks whose END label differs or is missing, and skips placeholder
    // bodies; on the texts the old pattern handled, it must find at least what that found
    const labels = ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'PGP PRIVATE KEY BLOCK'];
    const body = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj';
    const frags = [
      ...labels.flatMap((l) => [`-----BEGIN ${l}-----`, `-----END ${l}-----`]),
      body,
      '\n',
      ' ',
      '-----',
      'x',
    ];
    fc.assert(
      fc.property(
        text(frags).map((t) => ' '.repeat(60) + t),
        (t) => {
          const hits = detect(t, { types: ['PRIVATE_KEY'], minScore: 0 }).filter(
            (f) => f.detector === 'private-key-block',
          );
          for (const m of t.matchAll(OLD_PRIVATE_KEY)) {
            if (!m[0].includes(body)) continue;
            const at = m.index + m[0].indexOf(body);
            expect(hits.some((h) => h.start <= at && h.end >= at + body.length)).toBe(true);
          }
          // and nothing it reports is a placeholder: each hit holds key material
          for (const h of hits) expect(t.slice(h.start, h.end)).toContain(body.slice(0, 20));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('connection strings and JDBC URLs', () => {
    const frags = [
      'Server=db1',
      'host = h',
      'Data Source=x',
      'addr=',
      'xhost=',
      ';',
      'Password=s3cret',
      'pwd = p',
      'password=',
      ' ',
      '"',
      "'",
      '<',
      'user=a',
      'jdbc:mysql://h/db',
      'jdbc:sqlserver:',
      '?',
      '&',
      '=',
      'x',
    ];
    fc.assert(
      fc.property(text(frags), (t) => {
        const old = [...spans(OLD_CONN, t), ...spans(OLD_JDBC, t)].sort();
        // the credential-url detector also runs the URL pattern: compare only the hits these two give
        const hits = detect(t, { types: ['CREDENTIAL_URL'], minScore: 0 });
        const mine = hits.map((f) => `${f.start}-${f.end}`);
        // every span found by the old patterns that no other credential finding overlaps is found now
        const urlHits = spans(/\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}:\/\/[^\s:@/"'<>]+:[^\s@/"'<>]+@[^\s"'<>]+/g, t);
        if (urlHits.length === 0) expect(mine.sort()).toEqual(dedupeOverlaps(old));
      }),
      { numRuns: 3000 },
    );
  });
});

/** The old spans after overlap resolution (longest first, then leftmost), as detect resolves them. */
function dedupeOverlaps(spansIn: string[]): string[] {
  const parsed = spansIn.map((s) => s.split('-').map(Number) as [number, number]);
  parsed.sort((a, b) => b[1] - b[0] - (a[1] - a[0]) || a[0] - b[0]);
  const kept: [number, number][] = [];
  for (const p of parsed) if (!kept.some((k) => p[0] < k[1] && k[0] < p[1])) kept.push(p);
  return kept.map(([a, b]) => `${a}-${b}`).sort();
}
