/**
 * @fileoverview `synapse-ai advice apply`: applies rate-advice answers to API Manager. For each
 * piece of advice it finds the consumer's application and the API in the Developer Portal REST API
 * (v3), reads the subscription, and — with `--execute` — changes its throttling policy (the
 * subscription tier) with `PUT /subscriptions/{subscriptionId}`. Dry-run by default: the plan is
 * printed and nothing changes. Advice marked for review (a change of two tiers or more) is left to
 * a human unless `--approved` says the file holds reviewed advice. The token comes from the OAuth2
 * client-credentials grant of a client registered for the REST APIs.
 */
import { CliError, EXIT, readInput, type Command } from '../cli';

const API = '/api/am/devportal/v3';
const SCOPES = 'apim:subscribe apim:app_manage apim:sub_manage';

export interface Advice {
  consumer?: string;
  applicationId?: string;
  api: string;
  apiVersion?: string;
  apiId?: string;
  currentTier?: string;
  tier: string;
  review?: boolean;
}

export interface Step {
  advice: Advice;
  action: 'change' | 'unchanged' | 'needs-review' | 'failed';
  detail: string;
  subscriptionId?: string;
  from?: string;
}

/** Advice from a file: one JSON object, an array of them, or JSON lines. */
export function readAdvice(text: string): Advice[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new CliError('the advice file is empty.');
  let values: unknown[];
  try {
    const one = JSON.parse(trimmed) as unknown;
    values = Array.isArray(one) ? one : [one];
  } catch {
    values = trimmed.split(/\r?\n/).map((line, i) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new CliError(
          `line ${i + 1} of the advice is not JSON: give rate-advice answers, one per line or as a list.`,
        );
      }
    });
  }
  return values.map((v, i) => {
    const a = (v ?? {}) as Record<string, unknown>;
    const tier = typeof a.tier === 'string' ? a.tier : undefined;
    const api = typeof a.api === 'string' ? a.api : undefined;
    const consumer = typeof a.consumer === 'string' ? a.consumer : undefined;
    const applicationId = typeof a.applicationId === 'string' ? a.applicationId : undefined;
    if (!tier || !api || (!consumer && !applicationId))
      throw new CliError(
        `advice ${i + 1} needs tier, api and consumer (or applicationId): give rate-advice's answers as they are.`,
      );
    return {
      tier,
      api,
      ...(consumer ? { consumer } : {}),
      ...(applicationId ? { applicationId } : {}),
      ...(typeof a.apiVersion === 'string' ? { apiVersion: a.apiVersion } : {}),
      ...(typeof a.apiId === 'string' ? { apiId: a.apiId } : {}),
      ...(typeof a.currentTier === 'string' ? { currentTier: a.currentTier } : {}),
      ...(a.review === true ? { review: true } : {}),
    };
  });
}

class Apim {
  private token: string | undefined;
  private apps: { applicationId: string; name: string }[] | undefined;
  private readonly keys = new Map<string, string>();
  constructor(
    private readonly base: string,
    private readonly tokenUrl: string,
    private readonly client: { id: string; secret: string },
  ) {}

  private async auth(): Promise<string> {
    if (this.token) return this.token;
    let res: Response;
    try {
      res = await fetch(this.tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${this.client.id}:${this.client.secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: SCOPES }).toString(),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      throw new CliError(`the token endpoint ${this.tokenUrl} did not answer (${(err as Error).message}).`);
    }
    const body = (await res.json().catch(() => ({}))) as { access_token?: string; error_description?: string };
    if (!res.ok || !body.access_token)
      throw new CliError(
        `the token endpoint refused the client (${res.status}${body.error_description ? `: ${body.error_description}` : ''}). Check SAI_APIM_CLIENT_ID / SAI_APIM_CLIENT_SECRET and that the client may use the client_credentials grant.`,
      );
    this.token = body.access_token;
    return this.token;
  }

  async call<T>(method: 'GET' | 'PUT', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.base}${API}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await this.auth()}`,
        accept: 'application/json',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (!res.ok) {
      let why = text.slice(0, 200);
      try {
        const p = JSON.parse(text) as { description?: string; message?: string };
        why = p.description ?? p.message ?? why;
      } catch {
        // not JSON: the text as it came
      }
      throw new Error(`${method} ${API}${path}: ${res.status} ${why}`.trim());
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** The application of a consumer key (its OAuth keys, production or sandbox). */
  async applicationOf(advice: Advice): Promise<string> {
    if (advice.applicationId) return advice.applicationId;
    const key = advice.consumer!;
    const known = this.keys.get(key);
    if (known) return known;
    this.apps ??= (
      await this.call<{ list: { applicationId: string; name: string }[] }>('GET', '/applications?limit=1000')
    ).list;
    for (const app of this.apps) {
      const keys = await this.call<{ list: { consumerKey?: string }[] }>(
        'GET',
        `/applications/${encodeURIComponent(app.applicationId)}/oauth-keys`,
      );
      for (const k of keys.list) if (k.consumerKey) this.keys.set(k.consumerKey, app.applicationId);
      if (this.keys.has(key)) return this.keys.get(key)!;
    }
    throw new Error(`no application visible to this client has the consumer key ${key}`);
  }

  /** The API by id, or by name (or context, for a name that starts with /) and version. */
  async apiOf(advice: Advice): Promise<{ id: string; tiers: string[] }> {
    type Api = { id: string; name: string; context?: string; version: string; throttlingPolicies?: string[] };
    if (advice.apiId) {
      const api = await this.call<Api>('GET', `/apis/${encodeURIComponent(advice.apiId)}`);
      return { id: api.id, tiers: api.throttlingPolicies ?? [] };
    }
    const field = advice.api.startsWith('/') ? 'context' : 'name';
    const found = await this.call<{ list: Api[] }>(
      'GET',
      `/apis?query=${encodeURIComponent(`${field}:"${advice.api}"`)}&limit=100`,
    );
    const matches = found.list.filter(
      (a) =>
        (field === 'name'
          ? a.name === advice.api
          : a.context === advice.api || a.context?.startsWith(`${advice.api}/`)) &&
        (advice.apiVersion === undefined || a.version === advice.apiVersion),
    );
    if (matches.length === 0)
      throw new Error(`no API ${advice.api}${advice.apiVersion ? ` ${advice.apiVersion}` : ''} found`);
    if (matches.length > 1)
      throw new Error(`${matches.length} APIs match ${advice.api}: give apiVersion or apiId in the advice`);
    return { id: matches[0]!.id, tiers: matches[0]!.throttlingPolicies ?? [] };
  }
}

interface Subscription {
  subscriptionId: string;
  applicationId: string;
  apiId: string;
  throttlingPolicy: string;
  requestedThrottlingPolicy?: string;
  status?: string;
}

export const adviceCommand: Command = {
  name: 'advice',
  summary: 'Apply rate-advice answers to API Manager subscriptions (advice apply; dry-run by default).',
  usage:
    'synapse-ai advice apply --advice FILE --apim URL [--token-url URL] [--execute] [--approved] [--format text|json]',
  optionsHelp: `  --advice FILE         rate-advice answers: a JSON object, a list, or JSON lines ('-': standard input)
  --apim URL            API Manager (e.g. https://apim.example.com:9443)
  --token-url URL       OAuth2 token endpoint (default <apim>/oauth2/token)
  --execute             Change the subscriptions (without it, only print what would change)
  --approved            The file holds reviewed advice: apply changes marked for review too
  --format text|json    Output format (default text)`,
  notes: `The client comes from SAI_APIM_CLIENT_ID and SAI_APIM_CLIENT_SECRET (a client registered for the
REST APIs that may use the client_credentials grant, scopes ${SCOPES}).
Advice marked review (a change of two tiers or more) is not applied without --approved.
Exit codes: 0 applied or planned, 1 some advice could not be applied, 2 usage error.`,
  options: {
    advice: { type: 'string' },
    apim: { type: 'string' },
    'token-url': { type: 'string' },
    execute: { type: 'boolean' },
    approved: { type: 'boolean' },
    format: { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    if (positionals[0] !== 'apply' || positionals.length > 1)
      throw new CliError(
        positionals[0] === undefined
          ? 'say what to do: advice apply.'
          : `unknown advice action '${positionals[0]}' (use apply).`,
      );
    const apim = (values.apim as string | undefined)?.replace(/\/$/, '');
    if (!apim || !/^https?:\/\//.test(apim)) throw new CliError("--apim must be API Manager's http(s) address.");
    const format = (values.format as string | undefined) ?? 'text';
    if (format !== 'text' && format !== 'json')
      throw new CliError(`--format is text or json (got ${JSON.stringify(format)}).`);
    if (values.advice === undefined)
      throw new CliError('--advice names the file with rate-advice answers (- for standard input).');
    const advice = readAdvice((await readInput(values.advice as string, io)).toString('utf8'));
    const id = io.env.SAI_APIM_CLIENT_ID;
    const secret = io.env.SAI_APIM_CLIENT_SECRET;
    if (!id || !secret)
      throw new CliError('set SAI_APIM_CLIENT_ID and SAI_APIM_CLIENT_SECRET to a client registered for the REST APIs.');
    const execute = values.execute === true;
    const client = new Apim(apim, (values['token-url'] as string | undefined) ?? `${apim}/oauth2/token`, {
      id,
      secret,
    });
    const steps: Step[] = [];
    for (const a of advice) {
      try {
        const [applicationId, api] = [await client.applicationOf(a), await client.apiOf(a)];
        const subs = await client.call<{ list: Subscription[] }>(
          'GET',
          `/subscriptions?applicationId=${encodeURIComponent(applicationId)}&apiId=${encodeURIComponent(api.id)}`,
        );
        const sub = subs.list.find((s) => s.apiId === api.id) ?? subs.list[0];
        if (!sub) throw new Error(`the application is not subscribed to ${a.api}`);
        const base = { advice: a, subscriptionId: sub.subscriptionId, from: sub.throttlingPolicy };
        if (sub.throttlingPolicy.toLowerCase() === a.tier.toLowerCase()) {
          steps.push({ ...base, action: 'unchanged', detail: `already on ${sub.throttlingPolicy}` });
          continue;
        }
        if (api.tiers.length > 0 && !api.tiers.some((t) => t.toLowerCase() === a.tier.toLowerCase()))
          throw new Error(`${a.api} does not offer the tier ${a.tier} (it offers ${api.tiers.join(', ')})`);
        const tier = api.tiers.find((t) => t.toLowerCase() === a.tier.toLowerCase()) ?? a.tier;
        if (a.review && values.approved !== true) {
          steps.push({
            ...base,
            action: 'needs-review',
            detail: `${sub.throttlingPolicy} → ${tier} is a major change: approve it and run again with --approved`,
          });
          continue;
        }
        if (execute)
          await client.call('PUT', `/subscriptions/${encodeURIComponent(sub.subscriptionId)}`, {
            ...sub,
            throttlingPolicy: tier,
            requestedThrottlingPolicy: tier,
          });
        steps.push({
          ...base,
          action: 'change',
          detail: `${sub.throttlingPolicy} → ${tier}${execute ? '' : ' (dry run: nothing changed)'}`,
        });
      } catch (err) {
        if (err instanceof CliError) throw err;
        steps.push({ advice: a, action: 'failed', detail: (err as Error).message });
      }
    }
    if (format === 'json') io.stdout.write(`${JSON.stringify({ execute, steps }, null, 2)}\n`);
    else {
      for (const s of steps)
        io.stdout.write(
          `${s.action.padEnd(12)} ${s.advice.consumer ?? s.advice.applicationId} on ${s.advice.api}: ${s.detail}\n`,
        );
      if (!execute && steps.some((s) => s.action === 'change'))
        io.stdout.write('Dry run: run again with --execute to change these subscriptions.\n');
    }
    return steps.some((s) => s.action === 'failed') ? EXIT.FINDINGS : EXIT.OK;
  },
};
