/**
 * @fileoverview `synapse-ai usage export`: invoice lines for chargeback from a running sidecar's
 * `/v1/usage` breakdown (calls, cache hits, prompt/completion tokens, cost with the configured
 * prices, tier), per tenant (cost centre) and any of application, API, model, day and tier, as CSV
 * or JSON.
 */
import { CliError, EXIT, type Command } from '../cli';
import { fetchUsageRows } from '../usageClient';

const DIMENSIONS = ['application', 'api', 'model', 'day', 'tier'];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

interface Row {
  [k: string]: string | number | undefined;
}

function csvCell(v: unknown): string {
  const s = v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const usageCommand: Command = {
  name: 'usage',
  summary: 'Export metered model usage as invoice lines (usage export).',
  usage:
    'synapse-ai usage export --url URL --tenant ID[,ID…] --from YYYY-MM-DD --to YYYY-MM-DD [--format csv|json] [--group-by application,model]',
  optionsHelp: `  --url URL             The sidecar (e.g. http://127.0.0.1:8080)
  --tenant IDS          The tenants (cost centres) to bill, comma-separated
  --from, --to DAY      The days to cover (UTC, inclusive; at most 367)
  --group-by DIMS       Any of application, api, model, day, tier (default application,model);
                        lines per application also name its tier
  --format csv|json     Output format (default csv)`,
  notes: `The token is read from SAI_TOKEN when the sidecar requires one. A monthly summary per cost
centre: --from 2026-11-01 --to 2026-11-30 --group-by '' (one line per tenant).
Exit codes: 0 written, 2 usage error or the sidecar could not answer.`,
  options: {
    url: { type: 'string' },
    tenant: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    format: { type: 'string' },
    'group-by': { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    if (positionals[0] !== 'export' || positionals.length > 1)
      throw new CliError(
        positionals[0] === undefined
          ? 'say what to do: usage export.'
          : `unknown usage action '${positionals[0]}' (use export).`,
      );
    const url = values.url as string | undefined;
    const tenants = String(values.tenant ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
    const from = values.from as string | undefined;
    const to = values.to as string | undefined;
    const format = (values.format as string | undefined) ?? 'csv';
    const groupBy = String(values['group-by'] ?? 'application,model')
      .split(',')
      .map((g) => g.trim())
      .filter((g) => g !== '');
    if (!url || !/^https?:\/\//.test(url)) throw new CliError("--url must be the sidecar's http(s) address.");
    if (tenants.length === 0) throw new CliError('--tenant names the tenants (cost centres) to export.');
    if (!from || !to || !DAY.test(from) || !DAY.test(to))
      throw new CliError('--from and --to are days, YYYY-MM-DD (UTC).');
    if (format !== 'csv' && format !== 'json')
      throw new CliError(`--format is csv or json (got ${JSON.stringify(format)}).`);
    const unknown = groupBy.find((g) => !DIMENSIONS.includes(g));
    if (unknown) throw new CliError(`--group-by takes ${DIMENSIONS.join(', ')} (got ${JSON.stringify(unknown)}).`);
    // an application's invoice line names the tier it was billed under
    if (groupBy.includes('application') && !groupBy.includes('tier')) groupBy.push('tier');
    const lines: Row[] = [];
    for (const tenant of tenants) {
      const q = new URLSearchParams({ tenant, from, to, groupBy: groupBy.join(',') });
      const rows = await fetchUsageRows(url, q, io.env);
      for (const r of rows) lines.push({ tenant, from, to, ...r });
    }
    const columns = [
      'tenant',
      'from',
      'to',
      ...groupBy,
      'calls',
      'cacheHits',
      'promptTokens',
      'completionTokens',
      'totalTokens',
      'costUsd',
    ];
    if (format === 'json')
      io.stdout.write(
        `${JSON.stringify(
          lines.map((l) => Object.fromEntries(columns.map((c) => [c, l[c] ?? null]))),
          null,
          2,
        )}\n`,
      );
    else
      io.stdout.write(
        `${[columns.join(','), ...lines.map((l) => columns.map((c) => csvCell(l[c])).join(','))].join('\n')}\n`,
      );
    return EXIT.OK;
  },
};
