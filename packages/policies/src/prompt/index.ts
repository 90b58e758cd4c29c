/**
 * @fileoverview `prompt`: the AI-as-an-API facade. Turns an inbound payload into a chat-completions
 * call from a template whose placeholders are bound to body fields and gateway context, calls the
 * model through the LLM layer (quotas, failover, audit), then filters and reshapes the answer (JSON
 * Schema, extraction, maximum length) into the API's own response format. Takes a JSON object
 * (its members fill the template), a plain-text body (the text is the question: `{{body.prompt}}`)
 * or an OpenAI chat-completions body (`{"messages": [...]}`: the conversation passes through, its
 * last user message through the template, and the answer comes back as a chat completion). Needs an
 * LLM: without one it answers 503 saying how to configure a provider.
 */
import { block, definePolicy, JsonNumber, plainJson, proceed, SaiError, type JsonValue } from '@synapse-ai/sdk';

type Obj = Record<string, unknown>;

function lookup(root: unknown, path: string): unknown {
  let v = root;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object' || v instanceof JsonNumber) return undefined;
    v = (v as Obj)[k];
  }
  return v;
}

/**
 * Renders `{{body.a.b}}` / `{{context.tenantId}}` placeholders. Each value is written as a JSON
 * literal (strings quoted and escaped), so the model sees where user data starts and ends.
 * @returns the text, or the first placeholder that has no value.
 */
export function renderTemplate(template: string, scope: Obj): { text: string } | { missing: string } {
  let missing: string | undefined;
  const text = template.replace(/\{\{\s*((?:body|context)(?:\.[\w$-]+)+)\s*\}\}/g, (_, path: string) => {
    const v = lookup(scope, path);
    if (v === undefined || v === null) {
      missing ??= path;
      return '';
    }
    return JSON.stringify(v instanceof JsonNumber ? Number(v.text) : v);
  });
  return missing !== undefined ? { missing } : { text };
}

/** Fills a response template: a string that is exactly `{{name}}` takes the value's type. */
export function fillFormat(format: unknown, scope: Obj): JsonValue {
  if (typeof format === 'string') {
    const whole = /^\{\{\s*([\w.$-]+)\s*\}\}$/.exec(format);
    if (whole) return (lookup(scope, whole[1]!) ?? null) as JsonValue;
    return format.replace(/\{\{\s*([\w.$-]+)\s*\}\}/g, (_, p: string) => {
      const v = lookup(scope, p);
      return v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
    });
  }
  if (Array.isArray(format)) return format.map((f) => fillFormat(f, scope));
  if (format !== null && typeof format === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(format)) out[k] = fillFormat(v, scope);
    return out;
  }
  return format as JsonValue;
}

type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

/**
 * An OpenAI chat-completions body: the conversation before its last user message, and that message.
 * @returns undefined when the body is not one, or what is wrong with it.
 */
function chatBody(body: Obj): { before: ChatMessage[]; question: string } | string | undefined {
  if (!Array.isArray(body.messages)) return undefined;
  const messages: ChatMessage[] = [];
  for (const [i, m] of (body.messages as unknown[]).entries()) {
    const r = (m ?? {}) as Obj;
    const role = r.role;
    // content as a string, or as OpenAI's list of text parts
    const content =
      typeof r.content === 'string'
        ? r.content
        : Array.isArray(r.content)
          ? (r.content as Obj[])
              .map((p) => (p && p.type === 'text' && typeof p.text === 'string' ? p.text : ''))
              .join('')
          : undefined;
    if ((role !== 'system' && role !== 'user' && role !== 'assistant') || content === undefined) {
      return `messages[${i}] must have a role of system, user or assistant and a text content.`;
    }
    messages.push({ role, content });
  }
  const last = messages.map((m) => m.role).lastIndexOf('user');
  if (last < 0) return 'messages holds no user message.';
  // the client's own system messages are left out: the API's system option governs the model
  return { before: messages.slice(0, last).filter((m) => m.role !== 'system'), question: messages[last]!.content };
}

export default definePolicy({
  meta: {
    name: 'prompt',
    version: '1.0.0',
    description:
      'AI-as-an-API facade: builds a chat call from a template bound to the payload and gateway context, and reshapes the answer.',
    flows: ['request'],
    stage: 'ai',
    priority: 300,
    accepts: ['json', 'text'],
    requiresLlm: true,
    answersClient: true,
  },
  options: {
    type: 'object',
    properties: {
      system: { type: 'string', maxLength: 20000, description: 'System message.' },
      template: {
        type: 'string',
        minLength: 1,
        maxLength: 20000,
        default: '{{body.prompt}}',
        description:
          'User message with {{body.x}} / {{context.tenantId}} placeholders (default: the body’s prompt member).',
      },
      model: { type: 'string', description: 'Model name (default: the LLM chain’s).' },
      dataClass: {
        type: 'string',
        pattern: '^[A-Za-z][\\w-]{0,63}$',
        description:
          'The data class of what this API sends the model (e.g. confidential): with the sidecar’s routes.dataClasses, its calls use only that class’s chain.',
      },
      temperature: { type: 'number', minimum: 0, maximum: 2, default: 0.2 },
      maxTokens: { type: 'integer', minimum: 1, maximum: 32000, default: 512 },
      output: {
        type: 'object',
        properties: {
          schema: { type: 'object', description: 'JSON Schema of a structured answer (checked, repaired once).' },
          extract: {
            type: 'string',
            pattern: '^[\\w$-]+(\\.[\\w$-]+)*$',
            description: 'Member of the structured answer to return (a.b).',
          },
          maxLength: { type: 'integer', minimum: 1, description: 'Longest text answer, in characters.' },
          format: {
            description:
              'The API’s response: JSON with {{answer}}, {{model}}, {{context.correlationId}}, {{body.x}} placeholders.',
          },
        },
        additionalProperties: false,
        default: {},
      },
    },
    additionalProperties: false,
  },
  async handler(message, ctx) {
    const o = ctx.options;
    const payload = message.payload;
    let body: unknown;
    if (payload.kind === 'text') body = { prompt: payload.text };
    else if (payload.kind === 'json') body = plainJson(payload);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return block(
        'SAI_ERR_INPUT_INVALID',
        'The request must be a JSON object, an OpenAI chat body ({"messages": [...]}) or plain text.',
        { status: 422 },
      );
    }
    const chat = chatBody(body as Obj);
    if (typeof chat === 'string') return block('SAI_ERR_INPUT_INVALID', chat, { status: 422 });
    // an OpenAI chat body: its last user message is what the template calls the prompt
    const scope: Obj = {
      body: chat ? { ...(body as Obj), prompt: chat.question } : body,
      context: message.context,
    };
    const rendered = renderTemplate(o.template ?? '{{body.prompt}}', scope);
    if ('missing' in rendered) {
      return block('SAI_ERR_INPUT_INVALID', `The request needs the field ${rendered.missing.replace(/^body\./, '')}.`, {
        status: 422,
      });
    }
    // in a chat template the question is the message itself, not a JSON literal of it
    const userText =
      chat && (o.template ?? '{{body.prompt}}').trim() === '{{body.prompt}}' ? chat.question : rendered.text;
    const result = await ctx.llm.complete(
      {
        messages: [
          ...(o.system ? [{ role: 'system' as const, content: o.system }] : []),
          ...(chat ? chat.before : []),
          { role: 'user' as const, content: userText },
        ],
        ...(o.output.schema ? { schema: o.output.schema as Record<string, unknown> } : {}),
        ...(o.model ? { model: o.model } : {}),
        ...(o.dataClass ? { dataClass: o.dataClass } : {}),
        temperature: o.temperature ?? 0.2,
        maxTokens: o.maxTokens ?? 512,
      },
      ctx.signal,
    );
    if (!result.ok) {
      ctx.logger.warn('prompt: model call failed', { code: result.code, reason: result.reason });
      if (result.code === 'schema_violation' || result.code === 'malformed') {
        return block('SAI_ERR_OUTPUT_INVALID', 'The AI service answered in an unexpected format.', { status: 502 });
      }
      throw new SaiError('SAI_ERR_UNAVAILABLE', {
        message: 'The AI service is not available right now. Try again later.',
        status: result.code === 'timeout' ? 504 : 503,
      });
    }
    let answer: unknown = o.output.schema ? result.json : result.content;
    if (o.output.extract) {
      answer = lookup(answer, o.output.extract);
      if (answer === undefined)
        return block('SAI_ERR_OUTPUT_INVALID', 'The AI service answered in an unexpected format.', { status: 502 });
    }
    if (typeof answer === 'string' && o.output.maxLength !== undefined && answer.length > o.output.maxLength) {
      answer = `${answer.slice(0, Math.max(1, o.output.maxLength - 1)).replace(/\s+\S*$/, '')}…`;
    }
    if (chat && o.output.format === undefined) {
      // an OpenAI client gets an OpenAI answer
      const content = typeof answer === 'string' ? answer : JSON.stringify(answer);
      return proceed({
        json: {
          id: `chatcmpl-${message.context.correlationId}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: result.model,
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: {
            prompt_tokens: result.usage.promptTokens,
            completion_tokens: result.usage.completionTokens,
            total_tokens: result.usage.promptTokens + result.usage.completionTokens,
          },
        },
        contentType: 'application/json',
        note: result.cached ? 'model (cached)' : 'model',
      });
    }
    const out = fillFormat(o.output.format ?? { answer: '{{answer}}' }, {
      ...scope,
      answer,
      model: result.model,
      usage: result.usage,
    });
    return proceed({ json: out, contentType: 'application/json', note: result.cached ? 'model (cached)' : 'model' });
  },
});
