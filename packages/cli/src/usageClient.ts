/**
 * @fileoverview Reading a running sidecar's `/v1/usage` breakdown (usage export, analytics questions,
 * quota suggestions), with the token from SAI_TOKEN and errors that say what the sidecar answered.
 */
import { CliError } from './cli';

export type UsageRow = Record<string, string | number | undefined>;

/** The rows of `/v1/usage?…` for the given query. @throws {CliError} when the sidecar cannot answer */
export async function fetchUsageRows(
  url: string,
  params: URLSearchParams,
  env: Record<string, string | undefined>,
): Promise<UsageRow[]> {
  if (!/^https?:\/\//.test(url)) throw new CliError("--url must be the sidecar's http(s) address.");
  let res: Response;
  try {
    res = await fetch(`${url.replace(/\/$/, '')}/v1/usage?${params.toString()}`, {
      headers: env.SAI_TOKEN ? { Authorization: `Bearer ${env.SAI_TOKEN}` } : {},
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new CliError(`the sidecar at ${url} did not answer (${(err as Error).message}).`);
  }
  const body = (await res.json().catch(() => ({}))) as { rows?: UsageRow[]; detail?: string; title?: string };
  if (!res.ok || !Array.isArray(body.rows)) {
    throw new CliError(`the sidecar answered ${res.status}: ${body.detail ?? body.title ?? 'no usage breakdown'}.`);
  }
  return body.rows;
}
