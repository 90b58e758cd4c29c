/**
 * A stand-in for an OpenAI-compatible model server, for trying the support-chat example without
 * one: it answers every chat completion with a short reply that repeats the placeholders it was
 * given (so you can see them restored), as the JSON the prompt policy asks for.
 *   node examples/support-chat/mock-llm.mjs            (listens on 127.0.0.1:8099)
 *   MOCK_LLM_PORT=0 node examples/support-chat/mock-llm.mjs
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { TestLlmServer } = require(join(dirname(fileURLToPath(import.meta.url)), '../../packages/llm/dist/index.js'));

export function reply(body) {
  const user = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user')?.content ?? '';
  const tokens = [...new Set(user.match(/<[A-Z_]+_\d+>/g) ?? [])];
  const email = tokens.find((t) => t.startsWith('<EMAIL'));
  const text = email
    ? `Thanks for your message. We will send the tracking details to ${email} today.`
    : 'Thanks for your message. We will look into it today.';
  return { kind: 'reply', content: JSON.stringify({ reply: text }) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = new TestLlmServer();
  server.responder = reply;
  const url = await server.start(Number(process.env.MOCK_LLM_PORT ?? 8099));
  console.log(`mock LLM listening on ${url}/v1`);
  const stop = () => server.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
