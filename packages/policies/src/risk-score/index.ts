/**
 * @fileoverview `risk-score`: login risk for WSO2 Identity Server adaptive authentication. A
 * deterministic model of four features with documented weights (geo-velocity, new device, odd
 * hour, failure burst), kept per user in the sidecar store, gives
 * `{score: 0..1, decision: allow|step_up|deny, reasons[]}`; the model may add a one-sentence
 * explanation, never change the score.
 */
import { block, definePolicy, plainJson, proceed, type PolicyContext } from '@synapse-ai/sdk';
import { askModel } from '../llmShared';

export const WEIGHTS = { geoVelocity: 0.35, newDevice: 0.25, oddHour: 0.15, failureBurst: 0.25 } as const;

interface History {
  last?: { lat: number; lon: number; at: number };
  devices: string[];
  hours: number[];
}

/** Great-circle distance in km. */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface Features {
  geoVelocity: number;
  newDevice: number;
  oddHour: number;
  failureBurst: number;
}

export function features(
  input: { loginTime: number; deviceFingerprint?: string; recentFailures?: number; geo?: { lat: number; lon: number } },
  h: History,
): { f: Features; reasons: string[] } {
  const reasons: string[] = [];
  let geoVelocity = 0;
  if (input.geo && h.last) {
    const hours = Math.max((input.loginTime - h.last.at) / 3_600_000, 1 / 60);
    const km = distanceKm(h.last, input.geo);
    const speed = km / hours;
    if (km > 50 && speed > 900) {
      geoVelocity = 1;
      reasons.push(`impossible travel: ${Math.round(km)} km in ${hours.toFixed(1)} h`);
    } else if (km > 50 && speed > 500) {
      geoVelocity = 0.6;
      reasons.push(`fast travel: ${Math.round(km)} km in ${hours.toFixed(1)} h`);
    }
  }
  let newDevice = 0;
  if (input.deviceFingerprint !== undefined && !h.devices.includes(input.deviceFingerprint)) {
    newDevice = h.devices.length === 0 ? 0.5 : 1;
    reasons.push(h.devices.length === 0 ? 'first device seen for this user' : 'new device');
  }
  const hour = new Date(input.loginTime).getUTCHours();
  const total = h.hours.reduce((a, b) => a + b, 0);
  let oddHour = 0;
  if (total >= 10 && (h.hours[hour] ?? 0) / total < 0.02) {
    oddHour = 1;
    reasons.push(`unusual hour (${hour}:00 UTC)`);
  }
  const failures = input.recentFailures ?? 0;
  const failureBurst = failures >= 5 ? 1 : failures >= 3 ? 0.6 : failures >= 1 ? 0.2 : 0;
  if (failureBurst > 0) reasons.push(`${failures} recent failed attempt${failures === 1 ? '' : 's'}`);
  return { f: { geoVelocity, newDevice, oddHour, failureBurst }, reasons };
}

export function score(f: Features): number {
  const s =
    WEIGHTS.geoVelocity * f.geoVelocity +
    WEIGHTS.newDevice * f.newDevice +
    WEIGHTS.oddHour * f.oddHour +
    WEIGHTS.failureBurst * f.failureBurst;
  return Math.round(Math.min(1, Math.max(0, s)) * 1000) / 1000;
}

async function loadHistory(ctx: PolicyContext<unknown>, key: string): Promise<History> {
  const raw = await ctx.store.get(key);
  if (!raw) return { devices: [], hours: Array(24).fill(0) as number[] };
  try {
    const h = JSON.parse(raw) as History;
    return {
      ...h,
      devices: h.devices ?? [],
      hours: h.hours?.length === 24 ? h.hours : (Array(24).fill(0) as number[]),
    };
  } catch {
    return { devices: [], hours: Array(24).fill(0) as number[] };
  }
}

const INPUT = {
  type: 'object',
  properties: {
    userId: { type: 'string', minLength: 1, maxLength: 256 },
    ip: { type: 'string', maxLength: 64 },
    userAgent: { type: 'string', maxLength: 1024 },
    loginTime: { type: 'string', maxLength: 64, description: 'ISO 8601 date-time (default: now).' },
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
  required: ['userId'],
} as const;

export default definePolicy({
  meta: {
    name: 'risk-score',
    version: '1.0.0',
    description:
      'Login risk for adaptive authentication: geo-velocity, new device, odd hour and failure burst, with per-user history.',
    flows: ['request'],
    stage: 'ai',
    priority: 400,
  },
  options: {
    type: 'object',
    properties: {
      stepUpAt: {
        type: 'number',
        minimum: 0,
        maximum: 1,
        default: 0.3,
        description: 'Score from which the decision is step_up.',
      },
      denyAt: {
        type: 'number',
        minimum: 0,
        maximum: 1,
        default: 0.7,
        description: 'Score from which the decision is deny.',
      },
      record: {
        type: 'boolean',
        default: true,
        description: 'Remember this login (device, place, hour) for the user.',
      },
      historyTtlDays: { type: 'integer', minimum: 1, default: 90 },
      explain: { type: 'boolean', default: false, description: 'Add a one-sentence explanation written by the model.' },
    },
    additionalProperties: false,
  },
  input: INPUT,
  async handler(message, ctx) {
    const o = ctx.options;
    const b = plainJson(message.payload) as typeof message.payload.value;
    const loginTime = b.loginTime ? Date.parse(b.loginTime) : ctx.clock.now();
    if (Number.isNaN(loginTime))
      return block('SAI_ERR_INPUT_INVALID', 'loginTime must be an ISO 8601 date-time.', { status: 422 });
    const geo = b.geo ? { lat: Number(b.geo.lat), lon: Number(b.geo.lon) } : undefined;
    const key = `risk:user:${b.userId}`;
    const history = await loadHistory(ctx, key);
    const { f, reasons } = features(
      {
        loginTime,
        ...(b.deviceFingerprint ? { deviceFingerprint: b.deviceFingerprint } : {}),
        recentFailures: Number(b.recentFailures ?? 0),
        ...(geo ? { geo } : {}),
      },
      history,
    );
    const s = score(f);
    const decision = s >= (o.denyAt ?? 0.7) ? 'deny' : s >= (o.stepUpAt ?? 0.3) ? 'step_up' : 'allow';
    if (o.record !== false && decision !== 'deny') {
      const next: History = {
        ...(geo ? { last: { ...geo, at: loginTime } } : history.last ? { last: history.last } : {}),
        devices: b.deviceFingerprint
          ? [b.deviceFingerprint, ...history.devices.filter((d) => d !== b.deviceFingerprint)].slice(0, 20)
          : history.devices,
        hours: history.hours.map((n, i) => (i === new Date(loginTime).getUTCHours() ? n + 1 : n)),
      };
      await ctx.store.set(key, JSON.stringify(next), (o.historyTtlDays ?? 90) * 86_400_000);
    }
    const result: Record<string, unknown> = { score: s, decision, reasons, features: f };
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
    return proceed({ json: result as never, contentType: 'application/json', ...(note ? { note } : {}) });
  },
});
