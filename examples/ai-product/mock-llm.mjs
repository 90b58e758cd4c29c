/**
 * Two stand-ins for OpenAI-compatible model servers, for trying the AI API product example without
 * real ones: a "public" one on 127.0.0.1:8099 and a "private" (VPC) one on 127.0.0.1:8098. They
 * answer chat completions (structured answers when a JSON Schema is asked for), embeddings, and
 * report usage as providers do: about four characters a token.
 *   node examples/ai-product/mock-llm.mjs
 * MOCK_PUBLIC_PORT / MOCK_PRIVATE_PORT choose other ports (0: free ones); MOCK_LOG=1 prints one line
 * per request (which server, path, model), so you can see where each call went.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { TestLlmServer } = require(join(dirname(fileURLToPath(import.meta.url)), '../../packages/llm/dist/index.js'));

const tokens = (text) => Math.max(1, Math.ceil(text.length / 4));

/** The answer of the server called `name` to a chat-completions body. */
export function reply(name, body) {
  const messages = body.messages ?? [];
  const user = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const schema = body.response_format?.json_schema?.schema;
  // a ticket marked [unclear] gets a first answer outside the schema (the layer repairs it once);
  // one marked [broken] never gets a valid one (every attempt fails, and still costs tokens)
  const said = messages.filter((m) => m.role === 'user').map((m) => String(m.content ?? ''));
  const broken = said.some((t) => t.includes('[broken]'));
  const unclear = said.length === 1 && user.includes('[unclear]');
  let content;
  if (schema?.properties?.category && (broken || unclear)) content = '{"category": "something else"}';
  else if (schema?.properties?.category) {
    // the ticket is the first user message (a repair request comes after it)
    const ticket = said[0] ?? '';
    const category = /invoice|charge|refund/i.test(ticket)
      ? 'billing'
      : /password|login|sign in/i.test(ticket)
        ? 'auth'
        : /limit|quota|429/i.test(ticket)
          ? 'quota'
          : /docs|documentation/i.test(ticket)
            ? 'docs'
            : 'bug';
    content = JSON.stringify({ category });
  } else content = `(${name}) ${user.length > 60 ? `${user.slice(0, 60)}…` : user} — noted, we will follow up.`;
  const prompt = messages.reduce((n, m) => n + tokens(String(m.content ?? '')), 0);
  const usage = { prompt_tokens: prompt, completion_tokens: tokens(content) };
  if (process.env.MOCK_LOG === '1')
    console.log(`usage ${name} ${String(body.model)} ${usage.prompt_tokens} ${usage.completion_tokens}`);
  return { kind: 'reply', content, usage };
}

/** Starts both servers (ports 0 pick free ones); resolves with their base URLs. */
export async function startMocks(ports = { public: 8099, private: 8098 }) {
  const servers = { public: new TestLlmServer(), private: new TestLlmServer() };
  for (const [name, server] of Object.entries(servers)) {
    server.responder = (body) => reply(name, body);
    if (process.env.MOCK_LOG === '1')
      server.onRequest = (r) => console.log(`request ${name} ${r.path} ${String(r.body.model ?? '-')}`);
  }
  const urls = {
    public: `${await servers.public.start(ports.public)}/v1`,
    private: `${await servers.private.start(ports.private)}/v1`,
  };
  return { servers, urls, stop: () => Promise.all([servers.public.stop(), servers.private.stop()]) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = (v, d) => (v === undefined || v === '' ? d : Number(v));
  const mocks = await startMocks({
    public: port(process.env.MOCK_PUBLIC_PORT, 8099),
    private: port(process.env.MOCK_PRIVATE_PORT, 8098),
  });
  console.log(`public model on ${mocks.urls.public}, private model on ${mocks.urls.private}`);
  const stop = () => mocks.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
