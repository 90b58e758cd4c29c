/**
 * @fileoverview AI API products: several model endpoints behind one configuration, each answering
 * in OpenAI's wire format so that any OpenAI client (and an API Manager AI API) can point at
 * `/v1/products/<name>`: chat completions through a pipeline (guards, redaction, the prompt policy),
 * embeddings and image generation through a chain. Every call goes through the same quotas, routing
 * by data class, metering and audit as a policy's model calls.
 */
import { SaiError, type GatewayContext } from '@synapse-ai/sdk';
import { metered, type LlmServices } from './llmHooks';

export interface ModelEndpoint {
  /** The chain that serves it (default: the top-level chain); a data class route still comes first. */
  chain?: string;
  /** The model asked for when the client names none (default: each target's own). */
  model?: string;
  /** Models a client may ask for by name; any other is refused with 400. */
  models?: string[];
  /**
   * Chains by data class for this endpoint (e.g. confidential → a private embeddings chain); a class
   * not listed here falls under `llm.routes.dataClasses`, so it never reaches a chain it must not.
   */
  dataClasses?: Record<string, string>;
}

export interface ProductConfig {
  /** A short description for the catalogue. */
  description?: string;
  /** Chat completions: the pipeline (ending in the prompt policy) that answers them. */
  chat?: { pipeline: string };
  embeddings?: ModelEndpoint & { maxInputs?: number };
  images?: ModelEndpoint & { maxImages?: number };
}

/** A model endpoint of a product: its chain, models, data-class chains and a per-call cap. */
function endpointSchema(cap: string, maximum: number, fallback: number) {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      chain: { type: 'string', minLength: 1 },
      model: { type: 'string', minLength: 1 },
      models: { type: 'array', items: { type: 'string', minLength: 1 } },
      dataClasses: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
      [cap]: { type: 'integer', minimum: 1, maximum, default: fallback },
    },
  } as const;
}

export const productSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    description: { type: 'string', maxLength: 500 },
    chat: {
      type: 'object',
      additionalProperties: false,
      required: ['pipeline'],
      properties: { pipeline: { type: 'string', minLength: 1 } },
    },
    embeddings: endpointSchema('maxInputs', 2048, 256),
    images: endpointSchema('maxImages', 10, 4),
  },
} as const;

/** Why a product configuration cannot work (empty when it can). */
export function productProblems(
  products: Readonly<Record<string, ProductConfig>>,
  /** `routes`: the pipeline and policy names (unchecked when not given); `chains`: undefined without an llm section. */
  known: { routes?: ReadonlySet<string>; chains: ReadonlySet<string> | undefined },
): string[] {
  const problems: string[] = [];
  for (const [name, p] of Object.entries(products)) {
    if (!p.chat && !p.embeddings && !p.images)
      problems.push(`products.${name} offers nothing. Fix: give chat, embeddings and/or images.`);
    if (p.chat && known.routes && !known.routes.has(p.chat.pipeline))
      problems.push(
        `products.${name}.chat.pipeline names ${JSON.stringify(p.chat.pipeline)}, which is neither a pipeline nor a policy. Fix: name a pipeline under pipelines (ending in the prompt policy).`,
      );
    for (const kind of ['embeddings', 'images'] as const) {
      const e = p[kind];
      if (!e) continue;
      if (!known.chains) problems.push(`products.${name}.${kind} needs a model provider. Fix: add an llm section.`);
      else
        for (const [where, chain] of [
          ['chain', e.chain],
          ...Object.entries(e.dataClasses ?? {}).map(([c, ch]) => [`dataClasses.${c}`, ch]),
        ] as const)
          if (chain !== undefined && !known.chains.has(chain))
            problems.push(
              `products.${name}.${kind}.${where} names ${JSON.stringify(chain)}, which is not a chain. Fix: use one of ${[...known.chains].join(', ')}.`,
            );
    }
  }
  return problems;
}

function bad(message: string): SaiError {
  return new SaiError('SAI_ERR_BAD_REQUEST', { message });
}

/** The model to ask for: the client's (if the product allows it), else the product's default. */
function modelFor(endpoint: ModelEndpoint, asked: unknown, where: string): string | undefined {
  if (asked === undefined || asked === null) return endpoint.model;
  const allowed = [...new Set([...(endpoint.model ? [endpoint.model] : []), ...(endpoint.models ?? [])])];
  if (typeof asked !== 'string' || !allowed.includes(asked))
    throw bad(
      `${where}: model ${JSON.stringify(asked).slice(0, 80)} is not offered here. ${allowed.length > 0 ? `Ask for one of ${allowed.join(', ')}, or leave model out.` : 'Leave model out.'}`,
    );
  return asked;
}

/** The endpoint's own chain for the call's data class, when it names one. */
function ownRoute(endpoint: ModelEndpoint, context: GatewayContext): { chain: string; dataClass: string } | undefined {
  const classes = (context.dataClass ?? '').split(',').map((c) => c.trim().toLowerCase());
  for (const [dataClass, chain] of Object.entries(endpoint.dataClasses ?? {}))
    if (classes.includes(dataClass.toLowerCase())) return { chain, dataClass: dataClass.toLowerCase() };
  return undefined;
}

function unavailable(code: string): SaiError {
  return code === 'store_unavailable'
    ? new SaiError('SAI_ERR_UNAVAILABLE', { message: 'Quotas cannot be checked right now; try again shortly.' })
    : new SaiError('SAI_ERR_UNAVAILABLE', {
        message: 'The model service is unavailable right now; try again shortly.',
        logDetail: { reason: code },
      });
}

/** `POST /v1/products/<name>/embeddings`: `{input, model?, dimensions?}` → OpenAI's embedding list. */
export async function serveEmbeddings(
  services: LlmServices,
  context: GatewayContext,
  name: string,
  endpoint: NonNullable<ProductConfig['embeddings']>,
  body: unknown,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const where = `products/${name}/embeddings`;
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw bad(`${where}: send a JSON object such as {"input": ["text"]}.`);
  const b = body as Record<string, unknown>;
  const input = typeof b.input === 'string' ? [b.input] : b.input;
  if (!Array.isArray(input) || input.length === 0 || input.some((x) => typeof x !== 'string' || x === ''))
    throw bad(`${where}: input must be a non-empty string or a list of non-empty strings.`);
  const max = endpoint.maxInputs ?? 256;
  if (input.length > max) throw bad(`${where}: at most ${max} inputs per call (got ${input.length}).`);
  if (b.dimensions !== undefined && (!Number.isInteger(b.dimensions) || (b.dimensions as number) < 1))
    throw bad(`${where}: dimensions must be a positive whole number.`);
  const model = modelFor(endpoint, b.model, where);
  const texts = input as string[];
  const own = ownRoute(endpoint, context);
  const result = await metered(services, context, {
    estimate: { messages: [{ role: 'user', content: texts.join('\n') }], maxTokens: 0, ...(model ? { model } : {}) },
    countRequest: true,
    pipeline: `product:${name}`,
    ...(endpoint.chain ? { chain: endpoint.chain } : {}),
    ...(own ? { route: own } : {}),
    dataClasses: [context.dataClass],
    ...(signal ? { signal } : {}),
    audit: { endpoint: 'embeddings', inputs: texts.length },
    run: (chain, deadline) =>
      services.layer.embed(
        {
          input: texts,
          ...(model ? { model } : {}),
          ...(b.dimensions !== undefined ? { dimensions: b.dimensions as number } : {}),
        },
        signal,
        { chain, ...(deadline === undefined ? {} : { deadline }) },
      ),
  });
  if (!result.ok) throw unavailable(result.code);
  return {
    object: 'list',
    data: result.vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    model: result.model,
    usage: { prompt_tokens: result.usage.promptTokens, total_tokens: result.usage.promptTokens },
  };
}

/** `POST /v1/products/<name>/images/generations`: `{prompt, model?, n?, size?}` → OpenAI's image list. */
export async function serveImages(
  services: LlmServices,
  context: GatewayContext,
  name: string,
  endpoint: NonNullable<ProductConfig['images']>,
  body: unknown,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const where = `products/${name}/images/generations`;
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw bad(`${where}: send a JSON object such as {"prompt": "a lighthouse at dusk"}.`);
  const b = body as Record<string, unknown>;
  if (typeof b.prompt !== 'string' || b.prompt.trim() === '' || b.prompt.length > 4000)
    throw bad(`${where}: prompt must be a non-empty string of at most 4000 characters.`);
  const max = endpoint.maxImages ?? 4;
  const n = b.n ?? 1;
  if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > max)
    throw bad(`${where}: n must be a whole number from 1 to ${max}.`);
  if (b.size !== undefined && (typeof b.size !== 'string' || !/^\d{2,5}x\d{2,5}$/.test(b.size)))
    throw bad(`${where}: size must look like 1024x1024.`);
  const model = modelFor(endpoint, b.model, where);
  const prompt = b.prompt;
  const own = ownRoute(endpoint, context);
  const result = await metered(services, context, {
    estimate: { messages: [{ role: 'user', content: prompt }], maxTokens: 0, ...(model ? { model } : {}) },
    countRequest: true,
    pipeline: `product:${name}`,
    ...(endpoint.chain ? { chain: endpoint.chain } : {}),
    ...(own ? { route: own } : {}),
    dataClasses: [context.dataClass],
    ...(signal ? { signal } : {}),
    audit: { endpoint: 'images', images: n },
    run: (chain, deadline) =>
      services.layer.image(
        { prompt, n: n as number, ...(model ? { model } : {}), ...(b.size ? { size: b.size as string } : {}) },
        signal,
        { chain, ...(deadline === undefined ? {} : { deadline }) },
      ),
  });
  if (!result.ok) throw unavailable(result.code);
  return { created: Math.floor(Date.now() / 1000), data: result.images };
}
