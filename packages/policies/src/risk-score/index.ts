/**
 * @fileoverview `risk-score`: login risk for WSO2 Identity Server adaptive authentication. It takes
 * what an adaptive script has (`{ip, userAgent, loginTime}`, and the user, device and failures when
 * it knows them) and scores documented signals: the client (automation libraries and headless
 * browsers, from ua-parser-js), the address (reputation lists you configure, private or public, the
 * country from geoip-lite's offline database, an address new for the user), the hour (against the
 * user's own history, else the night), travel speed since the last login, a new device and recent
 * failures. History per user is kept in the store. The answer, `{riskScore, decision, reasons}`,
 * fits the script: `riskScore > 0.7` asks for a second factor, a higher band denies. The model may
 * add a one-sentence explanation, never change the score.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type * as GeoIp from 'geoip-lite';
import UAParser from 'ua-parser-js';
import { block, definePolicy, plainJson, proceed, type PolicyContext } from '@synapse-ai/sdk';
import { askModel } from '../llmShared';

/** What each signal adds to the score at full strength. */
export const WEIGHTS = {
  automation: 0.45,
  riskyAddress: 0.35,
  geoVelocity: 0.4,
  newCountry: 0.2,
  newAddress: 0.15,
  oddHour: 0.15,
  newDevice: 0.25,
  failureBurst: 0.4,
} as const;

export type Features = Record<keyof typeof WEIGHTS, number>;

interface History {
  last?: { lat: number; lon: number; at: number };
  devices: string[];
  /** Network prefixes (IPv4 /24, IPv6 /48) the user signed in from, most recent first. */
  networks: string[];
  countries: string[];
  hours: number[];
}

const emptyHistory = (): History => ({
  devices: [],
  networks: [],
  countries: [],
  hours: Array(24).fill(0) as number[],
});

/** Great-circle distance in km. */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * HTTP libraries, command-line clients, automation frameworks and headless browsers, by user agent.
 * (A real browser can be scripted too; this catches clients that say what they are.)
 */
const AUTOMATION_RE =
  /\b(?:python-requests|python-urllib|aiohttp|httpx|curl|wget|go-http-client|okhttp|java\/\d|apache-httpclient|libwww-perl|node-fetch|undici|axios|got\b|postmanruntime|insomnia|httpie|powershell|headlesschrome|phantomjs|selenium|webdriver|puppeteer|playwright|scrapy|httpclient|restsharp|guzzlehttp)/i;

export interface ClientInfo {
  kind: 'browser' | 'automation' | 'unknown' | 'none';
  name?: string;
}

/** What the user agent says about the client. */
export function clientOf(userAgent: string | undefined): ClientInfo {
  if (userAgent === undefined || userAgent.trim() === '') return { kind: 'none' };
  const parsed = UAParser(userAgent);
  const tool = AUTOMATION_RE.exec(userAgent);
  if (tool || /headless/i.test(parsed.browser.name ?? ''))
    return { kind: 'automation', name: tool?.[0] ?? parsed.browser.name! };
  if (parsed.browser.name) return { kind: 'browser', name: parsed.browser.name };
  return { kind: 'unknown' };
}

/** IPv4 as a 32-bit number, or undefined. */
function v4(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

/** IPv6 as a bigint (`::` expanded; an embedded IPv4 tail read), or undefined. */
function v6(ip: string): bigint | undefined {
  if (isIP(ip) !== 6) return undefined;
  let text = ip.toLowerCase().replace(/%.*$/, '');
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const n = v4(tail[1]!);
    if (n === undefined) return undefined;
    text = text.slice(0, -tail[1]!.length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const a = head === '' ? [] : head.split(':');
  const b = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? a : [...a, ...Array(8 - a.length - b.length).fill('0'), ...b];
  if (groups.length !== 8) return undefined;
  return groups.reduce((n, g) => (n << 16n) + BigInt(parseInt(g || '0', 16)), 0n);
}

/** Whether `ip` is inside `cidr` (IPv4 or IPv6; a bare address is a /32 or /128). */
export function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/') as [string, string | undefined];
  const a4 = v4(ip);
  const n4 = v4(net);
  if (a4 !== undefined && n4 !== undefined) {
    const bits = bitsText === undefined ? 32 : Number(bitsText);
    if (!(bits >= 0 && bits <= 32)) return false;
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return (a4 & mask) >>> 0 === (n4 & mask) >>> 0;
  }
  const a6 = v6(ip);
  const n6 = v6(net);
  if (a6 === undefined || n6 === undefined) return false;
  const bits = BigInt(bitsText === undefined ? 128 : Number(bitsText));
  if (bits < 0n || bits > 128n) return false;
  const shift = 128n - bits;
  return a6 >> shift === n6 >> shift;
}

/** Addresses that never reach the internet: private, loopback, link-local, shared and unique-local. */
const PRIVATE = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '100.64.0.0/10',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
];

export function isPrivateAddress(ip: string): boolean {
  return PRIVATE.some((c) => inCidr(ip, c));
}

/** The network an address belongs to, for "seen before": IPv4 /24, IPv6 /48. */
function networkOf(ip: string): string {
  const a = v4(ip);
  if (a !== undefined) return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.0/24`;
  const b = v6(ip);
  return b === undefined ? ip : `${(b >> 80n).toString(16)}::/48`;
}

type Geo = { country?: string; lat?: number; lon?: number; timezone?: string };
let geoip: typeof GeoIp | null | undefined;

/** The place of a public address from geoip-lite's offline database (loaded on first use). */
function geolocate(ip: string): Geo | undefined {
  if (geoip === undefined) {
    try {
      // about 0.15 s and 110 MB, once: only deployments that score logins pay for it
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      geoip = require('geoip-lite') as typeof GeoIp;
    } catch {
      geoip = null;
    }
  }
  const r = geoip?.lookup(ip);
  return r ? { country: r.country, lat: r.ll[0], lon: r.ll[1], timezone: r.timezone } : undefined;
}

/** The hour of `at` in an IANA time zone (UTC when it is unknown). */
function hourIn(at: number, timeZone: string | undefined): number {
  if (timeZone) {
    try {
      return Number(new Intl.DateTimeFormat('en-GB', { hour: 'numeric', hourCycle: 'h23', timeZone }).format(at));
    } catch {
      // an unknown zone: UTC below
    }
  }
  return new Date(at).getUTCHours();
}

export interface LoginSignals {
  loginTime: number;
  /** The hour the login happened, where the user is (offset of loginTime, or the address's zone). */
  localHour: number;
  client: ClientInfo;
  ip?: string;
  privateAddress: boolean;
  list?: 'blocked' | 'risky' | 'trusted';
  geo?: Geo;
  deviceFingerprint?: string;
  recentFailures?: number;
  /** Whether a user is known (history applies). */
  user: boolean;
}

/** The features of one login against the user's history, each 0..1, with the reasons. */
export function features(s: LoginSignals, h: History): { f: Features; reasons: string[] } {
  const reasons: string[] = [];
  const f: Features = {
    automation: 0,
    riskyAddress: 0,
    geoVelocity: 0,
    newCountry: 0,
    newAddress: 0,
    oddHour: 0,
    newDevice: 0,
    failureBurst: 0,
  };
  if (s.client.kind === 'automation') {
    f.automation = 1;
    reasons.push(`automated client (${s.client.name})`);
  } else if (s.client.kind === 'none') {
    f.automation = 0.8;
    reasons.push('no user agent');
  } else if (s.client.kind === 'unknown') {
    f.automation = 0.5;
    reasons.push('unrecognised client');
  }
  const trusted = s.list === 'trusted';
  if (s.list === 'risky') {
    f.riskyAddress = 1;
    reasons.push('address on the risky list');
  }
  if (s.ip !== undefined && !s.privateAddress && !trusted) {
    const network = networkOf(s.ip);
    if (!h.networks.includes(network)) {
      f.newAddress = 1;
      reasons.push(h.networks.length === 0 ? 'address not seen before' : 'new address for this user');
    }
    if (s.geo?.country && h.countries.length > 0 && !h.countries.includes(s.geo.country)) {
      f.newCountry = 1;
      reasons.push(`new country (${s.geo.country})`);
    }
  }
  if (s.geo?.lat !== undefined && s.geo.lon !== undefined && h.last && !trusted) {
    const hours = Math.max((s.loginTime - h.last.at) / 3_600_000, 1 / 60);
    const km = distanceKm(h.last, { lat: s.geo.lat, lon: s.geo.lon });
    const speed = km / hours;
    if (km > 50 && speed > 900) {
      f.geoVelocity = 1;
      reasons.push(`impossible travel: ${Math.round(km)} km in ${hours.toFixed(1)} h`);
    } else if (km > 50 && speed > 500) {
      f.geoVelocity = 0.6;
      reasons.push(`fast travel: ${Math.round(km)} km in ${hours.toFixed(1)} h`);
    }
  }
  const total = h.hours.reduce((a, b) => a + b, 0);
  if (total >= 10) {
    // the user's own pattern decides
    if ((h.hours[s.localHour] ?? 0) / total < 0.02) {
      f.oddHour = 1;
      reasons.push(`unusual hour for this user (${s.localHour}:00)`);
    }
  } else if (s.localHour >= 0 && s.localHour < 6) {
    f.oddHour = 1;
    reasons.push(`night-time login (${s.localHour}:00)`);
  }
  if (s.deviceFingerprint !== undefined && !h.devices.includes(s.deviceFingerprint)) {
    f.newDevice = h.devices.length === 0 ? 0.5 : 1;
    reasons.push(h.devices.length === 0 ? 'first device seen for this user' : 'new device');
  }
  const failures = s.recentFailures ?? 0;
  f.failureBurst = failures >= 5 ? 1 : failures >= 3 ? 0.6 : failures >= 1 ? 0.25 : 0;
  if (failures > 0) reasons.push(`${failures} recent failed attempt${failures === 1 ? '' : 's'}`);
  return { f, reasons };
}

export function score(f: Features): number {
  let s = 0;
  for (const [k, w] of Object.entries(WEIGHTS)) s += w * f[k as keyof Features];
  return Math.round(Math.min(1, Math.max(0, s)) * 1000) / 1000;
}

async function loadHistory(ctx: PolicyContext<unknown>, key: string): Promise<History> {
  const raw = await ctx.store.get(key);
  if (!raw) return emptyHistory();
  try {
    const h = JSON.parse(raw) as Partial<History>;
    return {
      ...(h.last ? { last: h.last } : {}),
      devices: h.devices ?? [],
      networks: h.networks ?? [],
      countries: h.countries ?? [],
      hours: h.hours?.length === 24 ? h.hours : (Array(24).fill(0) as number[]),
    };
  } catch {
    return emptyHistory();
  }
}

const INPUT = {
  type: 'object',
  properties: {
    userId: { type: 'string', minLength: 1, maxLength: 256 },
    username: { type: 'string', minLength: 1, maxLength: 256 },
    ip: { type: 'string', maxLength: 64 },
    userAgent: { type: 'string', maxLength: 2048 },
    loginTime: {
      type: ['string', 'number'],
      description: 'ISO 8601 date-time (its offset gives the local hour) or epoch milliseconds; default now.',
    },
    deviceFingerprint: { type: 'string', maxLength: 256 },
    recentFailures: { type: 'integer', minimum: 0 },
    geo: {
      type: 'object',
      properties: {
        lat: { type: 'number', minimum: -90, maximum: 90 },
        lon: { type: 'number', minimum: -180, maximum: 180 },
        country: { type: 'string' },
      },
      required: ['lat', 'lon'],
    },
  },
} as const;

const CIDR = { type: 'string', pattern: '^[0-9A-Fa-f:.]+(/\\d{1,3})?$' } as const;

export default definePolicy({
  meta: {
    name: 'risk-score',
    version: '2.0.0',
    description:
      'Login risk for adaptive authentication from what the login flow has: client, address, place, hour, device and failures, against per-user history.',
    flows: ['request'],
    stage: 'ai',
    priority: 400,
  },
  options: {
    type: 'object',
    properties: {
      stepUpAbove: {
        type: 'number',
        minimum: 0,
        maximum: 1,
        default: 0.7,
        description: 'Scores above this are step_up (the example script asks for a second factor above 0.7).',
      },
      denyAt: {
        type: 'number',
        minimum: 0,
        maximum: 1,
        default: 0.9,
        description: 'Scores from this are deny.',
      },
      addresses: {
        type: 'object',
        properties: {
          blocked: { type: 'array', items: CIDR, description: 'Always denied.' },
          risky: { type: 'array', items: CIDR, description: 'Known bad ranges (hosting, proxies, past attacks).' },
          trusted: { type: 'array', items: CIDR, description: 'Offices and VPN egress: no address or travel risk.' },
        },
        additionalProperties: false,
        default: {},
      },
      geoip: {
        type: 'boolean',
        default: true,
        description: 'Place public addresses with the offline geoip-lite database (country, travel, local hour).',
      },
      record: {
        type: 'boolean',
        default: true,
        description: 'Remember this login (address, place, device, hour) for the user.',
      },
      historyTtlDays: { type: 'integer', minimum: 1, default: 90 },
      explain: { type: 'boolean', default: false, description: 'Add a one-sentence explanation written by the model.' },
    },
    additionalProperties: false,
  },
  input: INPUT,
  check(options) {
    return (options.stepUpAbove ?? 0.7) >= (options.denyAt ?? 0.9)
      ? ['denyAt must be above stepUpAbove. Fix: e.g. stepUpAbove: 0.7, denyAt: 0.9.']
      : [];
  },
  async handler(message, ctx) {
    const o = ctx.options;
    const b = plainJson(message.payload) as typeof message.payload.value;
    const loginTime =
      b.loginTime === undefined
        ? ctx.clock.now()
        : typeof b.loginTime === 'number'
          ? b.loginTime
          : Date.parse(String(b.loginTime));
    if (!Number.isFinite(loginTime))
      return block('SAI_ERR_INPUT_INVALID', 'loginTime must be an ISO 8601 date-time or epoch milliseconds.', {
        status: 422,
      });
    const ip = typeof b.ip === 'string' && isIP(b.ip.trim()) !== 0 ? b.ip.trim() : undefined;
    const lists = o.addresses ?? {};
    const list =
      ip === undefined
        ? undefined
        : (lists.blocked ?? []).some((c) => inCidr(ip, c))
          ? 'blocked'
          : (lists.trusted ?? []).some((c) => inCidr(ip, c))
            ? 'trusted'
            : (lists.risky ?? []).some((c) => inCidr(ip, c))
              ? 'risky'
              : undefined;
    const privateAddress = ip !== undefined && isPrivateAddress(ip);
    const located = ip !== undefined && !privateAddress && o.geoip !== false ? geolocate(ip) : undefined;
    // a place the caller gives wins; the database still names the country when the caller does not
    const country = b.geo?.country ? String(b.geo.country) : located?.country;
    const geo: Geo | undefined = b.geo
      ? { lat: Number(b.geo.lat), lon: Number(b.geo.lon), ...(country ? { country } : {}) }
      : located;
    // the local hour: the offset the login time was written with, else the address's time zone
    const offset = typeof b.loginTime === 'string' ? /([+-])(\d{2}):?(\d{2})$/.exec(b.loginTime) : null;
    const localHour = offset
      ? new Date(
          loginTime + (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000,
        ).getUTCHours()
      : hourIn(loginTime, located?.timezone);
    const user = b.userId ?? b.username;
    const key = user === undefined ? undefined : `risk:user:${user}`;
    const history = key ? await loadHistory(ctx, key) : emptyHistory();
    const client = clientOf(b.userAgent);
    const network = ip && !privateAddress ? networkOf(ip) : undefined;
    const { f, reasons } = features(
      {
        loginTime,
        localHour,
        client,
        ...(ip ? { ip } : {}),
        privateAddress,
        ...(list ? { list } : {}),
        ...(geo ? { geo } : {}),
        ...(b.deviceFingerprint ? { deviceFingerprint: b.deviceFingerprint } : {}),
        recentFailures: Number(b.recentFailures ?? 0),
        user: key !== undefined,
      },
      history,
    );
    let s = score(f);
    if (list === 'blocked') {
      s = 1;
      reasons.unshift('address on the blocked list');
    }
    if (privateAddress) reasons.push('private network');
    const denyAt = o.denyAt ?? 0.9;
    const decision = s >= denyAt ? 'deny' : s > (o.stepUpAbove ?? 0.7) ? 'step_up' : 'allow';
    if (key && o.record !== false && decision !== 'deny') {
      const next: History = {
        ...(geo?.lat !== undefined && geo.lon !== undefined
          ? { last: { lat: geo.lat, lon: geo.lon, at: loginTime } }
          : history.last
            ? { last: history.last }
            : {}),
        devices: b.deviceFingerprint
          ? [b.deviceFingerprint, ...history.devices.filter((d) => d !== b.deviceFingerprint)].slice(0, 20)
          : history.devices,
        networks: network ? [network, ...history.networks.filter((n) => n !== network)].slice(0, 20) : history.networks,
        countries: geo?.country
          ? [geo.country, ...history.countries.filter((c) => c !== geo.country)].slice(0, 10)
          : history.countries,
        hours: history.hours.map((n, i) => (i === localHour ? n + 1 : n)),
      };
      await ctx.store.set(key, JSON.stringify(next), (o.historyTtlDays ?? 90) * 86_400_000);
    }
    const result: Record<string, unknown> = {
      riskScore: s,
      score: s,
      decision,
      reasons,
      features: f,
      signals: {
        client: client.kind,
        ...(client.name ? { clientName: client.name } : {}),
        address: ip === undefined ? 'none' : privateAddress ? 'private' : 'public',
        ...(geo?.country ? { country: geo.country } : {}),
        localHour,
      },
    };
    let note: string | undefined;
    if (o.explain && reasons.length > 0) {
      const outcome = await askModel<{ explanation: string }>(ctx, {
        system:
          'You explain a login risk decision to a security analyst in one short sentence, using only the reasons given. Answer with JSON only: {"explanation":"..."}.',
        user: JSON.stringify({ decision, score: s, reasons }),
        schema: {
          type: 'object',
          properties: { explanation: { type: 'string', minLength: 1, maxLength: 300 } },
          required: ['explanation'],
          additionalProperties: false,
        },
        maxTokens: 120,
      });
      if (outcome.status === 'used') result.explanation = outcome.value.explanation;
      note = outcome.status === 'used' ? 'explanation: model' : `explanation: none (${outcome.reason})`;
    }
    // how much of what the scorer reads the login carried
    const carried = [ip, b.userAgent, user, b.deviceFingerprint, b.recentFailures, b.loginTime].filter(
      (x) => x !== undefined,
    ).length;
    return proceed({
      json: result as never,
      contentType: 'application/json',
      ...(note ? { note } : {}),
      aiDecision: {
        inputSha256: createHash('sha256').update(JSON.stringify(b)).digest('hex'),
        decision,
        score: s,
        model: 'deterministic',
        confidence: Math.round((carried / 6) * 100) / 100,
      },
    });
  },
});
