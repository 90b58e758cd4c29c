/**
 * `POST /v1/assistant/ask`: the developer-portal assistant over this project's own documentation,
 * extractive without a model, grounded (citing only retrieved passages) with one.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestLlmServer } from '@synapse-ai/llm';
import { silentLogger } from '@synapse-ai/sdk';
import { loadConfig } from '../config';
import { startSidecar } from '../server';

const ROOT = join(__dirname, '../../../..');
const dir = mkdtempSync(join(tmpdir(), 'sai-assistant-'));

async function start(lines: string[]) {
  const file = join(dir, `sidecar-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, lines.join('\n'));
  return startSidecar({ config: loadConfig({ file, env: { SAI_PORT: '0' } }), logger: silentLogger });
}
const ask = (url: string, body: unknown) =>
  fetch(`${url}/v1/assistant/ask`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('POST /v1/assistant/ask', () => {
  it('answers from the documentation with citations, without a model', async () => {
    const running = await start([
      'assistant:',
      `  docs: [${JSON.stringify(join(ROOT, 'README.md'))}, ${JSON.stringify(join(ROOT, 'packages/policies/src'))}]`,
    ]);
    try {
      const res = await ask(running.url, { question: 'Which headers does redact-pii answer with?' });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        answered: boolean;
        answer: string;
        citations: { file: string; heading: string }[];
        answeredBy: string;
      };
      expect(body).toMatchObject({ answered: true, answeredBy: 'extractive' });
      expect(body.answer).toMatch(/X-Redaction-Summary/);
      expect(body.citations.some((c) => c.file.endsWith('redact-pii/README.md'))).toBe(true);
      const nothing = (await (await ask(running.url, { question: 'zyxwvut qqqq' })).json()) as { answered: boolean };
      expect(nothing.answered).toBe(false);
      const get = await fetch(`${running.url}/v1/assistant/ask`);
      expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
      const bad = await ask(running.url, { q: 'no question field' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { detail: string }).detail).toMatch(/Send \{"question"/);
    } finally {
      await running.close();
    }
  });

  it('lets a model word the answer only from the retrieved passages, and keeps the extractive one otherwise', async () => {
    const model = new TestLlmServer();
    const baseURL = `${await model.start()}/v1`;
    const running = await start([
      'assistant:',
      `  docs: [${JSON.stringify(join(ROOT, 'packages/policies/src'))}]`,
      '  model: true',
      'llm:',
      `  providers: [{ name: local, type: compatible, baseURL: "${baseURL}" }]`,
      '  chain: [{ provider: local, model: m }]',
      '  maxRetries: 0',
    ]);
    try {
      model.enqueue({
        kind: 'reply',
        content: '{"answer":"It answers X-Redaction-Summary with counts per type [1].","citations":[1]}',
      });
      const used = (await (
        await ask(running.url, { question: 'Which headers does redact-pii answer with?' })
      ).json()) as {
        answer: string;
        answeredBy: string;
        citations: unknown[];
      };
      expect(used).toMatchObject({
        answer: 'It answers X-Redaction-Summary with counts per type [1].',
        answeredBy: 'm',
      });
      expect(used.citations).toHaveLength(1);
      // the model sees the retrieved passages and the rule to use them alone
      expect(JSON.stringify(model.requests.at(-1)!.body)).toMatch(/Use only the numbered passages/);
      // citing a passage it was not given: the extractive answer stands
      model.enqueue({ kind: 'reply', content: '{"answer":"Something else [9].","citations":[9]}' });
      const refused = (await (
        await ask(running.url, { question: 'Which headers does redact-pii answer with?' })
      ).json()) as { answeredBy: string };
      expect(refused.answeredBy).toBe('extractive');
    } finally {
      await running.close();
      await model.stop();
    }
  });

  it('says how to configure it when it is not', async () => {
    const running = await start(['logging: { level: error }']);
    try {
      const res = await ask(running.url, { question: 'anything' });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/assistant\.docs/);
    } finally {
      await running.close();
    }
  });

  it('refuses to start on documentation paths that do not exist', async () => {
    await expect(start(['assistant:', '  docs: [/nonexistent/docs]'])).rejects.toThrow(
      /cannot read \/nonexistent\/docs/,
    );
  });
});
