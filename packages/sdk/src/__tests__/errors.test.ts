import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CATALOGUE, SaiError, toProblem, toSaiError } from '../errors';

describe('error catalogue', () => {
  const doc = readFileSync(join(__dirname, '../../../../docs/errors.md'), 'utf8');

  it('documents every code with its status, and documents no code that does not exist', () => {
    for (const [code, { status }] of Object.entries(ERROR_CATALOGUE)) {
      expect(doc).toMatch(new RegExp(`\\| \`${code}\` \\| ${status} \\|`));
    }
    const documented = [...doc.matchAll(/\| `(SAI_ERR_[A-Z_]+)` \|/g)].map((m) => m[1]);
    expect(documented.filter((c) => !(c! in ERROR_CATALOGUE))).toEqual([]);
  });

  it('turns unknown errors into SAI_ERR_INTERNAL without leaking their message', () => {
    const e = toSaiError(new Error('connect ECONNREFUSED 10.0.0.5:5432 at /srv/app/db.js'));
    expect(e.code).toBe('SAI_ERR_INTERNAL');
    expect(e.status).toBe(500);
    expect(e.message).toBe('Internal error');
    expect((e.cause as Error).message).toMatch(/ECONNREFUSED/);
    const problem = toProblem(e, 'req-1');
    expect(JSON.stringify(problem)).not.toMatch(/ECONNREFUSED|db\.js/);
  });

  it('builds RFC 9457 problem details with code and requestId; extensions cannot override them', () => {
    const e = new SaiError('SAI_ERR_MALFORMED_JSON', { message: 'bad', extensions: { line: 2, status: 999 } });
    expect(toProblem(e, 'r-1', '/v1/policies/echo')).toEqual({
      type: 'urn:synapse-ai:error:SAI_ERR_MALFORMED_JSON',
      title: 'Malformed JSON body',
      status: 400,
      detail: 'bad',
      code: 'SAI_ERR_MALFORMED_JSON',
      requestId: 'r-1',
      instance: '/v1/policies/echo',
      line: 2,
    });
  });
});
