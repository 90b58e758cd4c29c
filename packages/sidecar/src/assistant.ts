/**
 * @fileoverview `POST /v1/assistant/ask`: the developer-portal assistant over the documentation the
 * configuration names (`assistant.docs`), indexed once at start. The answer is extractive, with
 * citations; with `assistant.model: true` and an LLM configured, a model rephrases the retrieved
 * passages and must cite them (schema-checked; otherwise the extractive answer stands). Nothing
 * relevant found: `answered: false`, and no model is asked.
 */
import { askDocs, indexDocsFrom, type Answer, type DocsIndex } from '@synapse-ai/lifecycle';
import { SaiError, type LlmHooks } from '@synapse-ai/sdk';

export interface AssistantConfig {
  /** Markdown files, OpenAPI documents or folders of them (relative to the working directory). */
  docs: string[];
  /** Let a configured model word the answer from the retrieved passages (default false). */
  model: boolean;
  /** How many passages an answer draws on (default 3). */
  maxPassages: number;
}

export const assistantSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['docs'],
  properties: {
    docs: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    model: { type: 'boolean', default: false },
    maxPassages: { type: 'integer', minimum: 1, maximum: 10, default: 3 },
  },
} as const;

export interface Assistant {
  readonly passages: number;
  ask(question: unknown, llm?: LlmHooks, signal?: AbortSignal): Promise<Answer & { answeredBy: string }>;
}

/** Builds the index. @throws {Error} naming a path that cannot be read */
export async function buildAssistant(config: AssistantConfig): Promise<Assistant> {
  const index: DocsIndex = await indexDocsFrom(config.docs);
  return {
    passages: index.size,
    async ask(question, llm, signal) {
      if (typeof question !== 'string' || question.trim() === '' || question.length > 2000)
        throw new SaiError('SAI_ERR_BAD_REQUEST', {
          message: 'Send {"question": "…"}: a question of 1 to 2,000 characters.',
        });
      const complete =
        config.model && llm?.available
          ? (req: Parameters<LlmHooks['complete']>[0]) => llm.complete(req, signal)
          : undefined;
      return askDocs(index, question, { limit: config.maxPassages, ...(complete ? { complete } : {}) });
    },
  };
}
