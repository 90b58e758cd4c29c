/**
 * Test helpers for the policies: a local OpenAI-compatible server with the LLM layer in front of
 * it (started and stopped around a describe block), and running one policy as the sidecar does,
 * with a store the test keeps.
 */
import { LlmLayer, TestLlmServer } from '@synapse-ai/llm';
import {
  mountPolicy,
  parsePayload,
  PolicyChain,
  serializePayload,
  silentLogger,
  type GatewayContext,
  type LlmHooks,
  type Policy,
  type Store,
} from '@synapse-ai/sdk';

/** Starts a test model server before the block's tests and stops it after; `llm()` is the layer. */
export function useTestLlm(): { server: TestLlmServer; llm: () => LlmLayer } {
  const server = new TestLlmServer();
  let layer: LlmLayer | undefined;
  beforeAll(async () => {
    const url = await server.start();
    layer = new LlmLayer({
      providers: [{ name: 'local', type: 'compatible', baseURL: `${url}/v1` }],
      chain: [{ provider: 'local', model: 'm' }],
      maxRetries: 0,
    });
  });
  afterAll(() => server.stop());
  return { server, llm: () => layer! };
}

/** Runs one policy on a JSON body; returns the parsed JSON answer and the decision notes, or throws the block. */
export async function runPolicy<T = Record<string, unknown>>(
  policy: Policy,
  body: unknown,
  opts: {
    options?: object;
    store: Store;
    llm?: LlmHooks;
    context?: Partial<GatewayContext>;
    headers?: Record<string, string>;
  },
): Promise<T & { notes: string[] }> {
  const chain = new PolicyChain('test', [mountPolicy(policy, opts.options ?? {})]);
  const out = await chain.execute(
    {
      payload: parsePayload(Buffer.from(JSON.stringify(body)), 'application/json'),
      contentType: 'application/json',
      headers: opts.headers ?? {},
      context: { correlationId: 'c', flow: 'request', ...opts.context },
    },
    { logger: silentLogger, store: opts.store, ...(opts.llm ? { llm: opts.llm } : {}) },
  );
  if (out.kind !== 'continue') throw out.error;
  const parsed = JSON.parse(serializePayload(out.payload) as string) as T;
  return { ...parsed, notes: out.notes };
}
