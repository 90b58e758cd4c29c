/**
 * @fileoverview Secret formats from a maintained rule set: secretlint's recommended preset
 * (`@secretlint/secretlint-rule-preset-recommend`, MIT), whose rules know the token formats of
 * cloud, model-API, commerce, collaboration, vault and hosting providers. Each rule's scanner runs
 * over one candidate text, synchronously, with its default options; the ranges it reports become
 * findings. The rules are created once; only texts that can hold a token reach them (the detector's
 * pre-check: a run of 20 or more characters without spaces, quotes or angle brackets that has a
 * letter g–z, or PEM armour), because running every rule costs several microseconds per text.
 */

/** The part of secretlint's rule interface this adapter uses (see @secretlint/types). */
interface RuleContext {
  sharedOptions: Record<string, unknown>;
  createTranslator(messages: unknown): (id: string, data?: unknown) => unknown;
  report(descriptor: { range: readonly [number, number] }): void;
  ignore(descriptor: unknown): void;
}
interface RuleCreator {
  meta: { id: string; type: string };
  create(context: RuleContext, options: Record<string, never>): { file?(source: unknown): unknown };
}

// the preset is an ES module; Node ≥ 20.19 loads it with require()
// eslint-disable-next-line @typescript-eslint/no-require-imports
const preset = require('@secretlint/secretlint-rule-preset-recommend') as { rules: readonly RuleCreator[] };

/** Where the scanner under way reports (undefined between scans: a late report is dropped). */
let sink: [number, number][] | undefined;

const context: RuleContext = {
  sharedOptions: {},
  createTranslator: () => (id) => id,
  report: ({ range }) => {
    sink?.push([range[0], range[1]]);
  },
  ignore: () => {},
};

/** Filters (comment directives) have no meaning in a message body; only scanners run. */
const scanners = preset.rules
  .filter((r) => r.meta.type === 'scanner' && r.meta.id !== '@secretlint/secretlint-rule-filter-comments')
  .map((r) => ({ id: r.meta.id.replace('@secretlint/secretlint-rule-', ''), handler: r.create(context, {}) }));

/** The rules this build runs (for documentation and tests). */
export const SECRET_RULE_IDS: readonly string[] = scanners.map((s) => s.id);

export interface RuleHit {
  start: number;
  end: number;
  rule: string;
}

/** Runs every rule over `text`; hits in text order. */
export function secretRuleHits(text: string): RuleHit[] {
  const out: RuleHit[] = [];
  const source = { content: text, filePath: 'message.txt', ext: '.txt', contentType: 'text' };
  for (const s of scanners) {
    const found: [number, number][] = [];
    sink = found;
    try {
      // a rule that answers with a promise reports after this call returns: dropped (none does today)
      s.handler.file?.(source);
    } finally {
      sink = undefined;
    }
    for (const [start, end] of found) if (end > start) out.push({ start, end, rule: s.id });
  }
  return out.sort((a, b) => a.start - b.start);
}
