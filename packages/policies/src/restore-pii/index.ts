/**
 * @fileoverview `restore-pii`: in the response flow, puts back the real values behind the pseudonyms
 * (`<EMAIL_1>`) that `redact-pii` gave out in the request flow of the same conversation, wherever they
 * appear: JSON values, JSON held in strings (LLM tool-call arguments), XML text and attributes, text.
 */
import { restore } from '@synapse-ai/redact';
import { block, definePolicy, proceed, serializePayload } from '@synapse-ai/sdk';
import { scopeOf, scopeOptions, secretProblems, vaultFor } from '../piiShared';

export default definePolicy({
  meta: {
    name: 'restore-pii',
    version: '1.0.0',
    description: 'Restores the values behind pseudonyms given out by redact-pii in the same conversation.',
    flows: ['response', 'request'],
    stage: 'restore',
    priority: 100,
    accepts: ['json', 'xml', 'text', 'empty'],
  },
  options: {
    type: 'object',
    additionalProperties: false,
    properties: { ...scopeOptions },
  },
  check(o, env) {
    return secretProblems(env, o.vaultSecretEnv, 'vaultSecretEnv', 'restoring pseudonyms');
  },
  async handler(message, ctx) {
    const { payload } = message;
    if (payload.kind === 'empty') return proceed({ modified: false });
    const o = ctx.options;
    const contentType =
      payload.kind === 'json' ? 'application/json' : payload.kind === 'xml' ? 'application/xml' : 'text/plain';
    try {
      const result = await restore(
        serializePayload(payload),
        contentType,
        vaultFor(ctx.store, o),
        scopeOf(o, message.context, message.headers),
      );
      const headers = { 'X-Pseudonyms-Restored': String(result.restored) };
      if (result.restored === 0) return proceed({ headers, modified: false });
      if (payload.kind === 'json') return proceed({ jsonText: result.body, headers });
      if (payload.kind === 'xml') return proceed({ xml: result.body, headers });
      return proceed({ text: result.body, headers });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'SAI_ERR_INVALID_OPTIONS') throw err;
      ctx.logger.error('restore failed', { error: (err as Error).message });
      return block('SAI_ERR_REDACTION_FAILED', 'The response could not be completed.', {
        logDetail: { stage: 'restore' },
      });
    }
  },
});
