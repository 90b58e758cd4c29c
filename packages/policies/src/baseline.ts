/**
 * @fileoverview Exponentially weighted baselines (mean and variance) kept in the sidecar store, so
 * that every replica reads and updates the same one. Used by rate-advice and anomaly.
 */
import type { Store } from '@synapse-ai/sdk';

export interface Baseline {
  mean: number;
  variance: number;
  /** Observations folded in. */
  n: number;
}

export function zScore(b: Baseline, x: number, minSamples = 3): number {
  const sd = Math.sqrt(b.variance);
  if (b.n < minSamples || sd === 0) return 0;
  return (x - b.mean) / sd;
}

/** Folds one observation into the baseline (EWMA with weight `alpha`). */
export function update(b: Baseline | undefined, x: number, alpha: number): Baseline {
  if (!b || b.n === 0) return { mean: x, variance: 0, n: 1 };
  const diff = x - b.mean;
  const mean = b.mean + alpha * diff;
  const variance = (1 - alpha) * (b.variance + alpha * diff * diff);
  return { mean, variance, n: b.n + 1 };
}

/** A baseline from a history of observations, oldest first. */
export function fromHistory(xs: readonly number[], alpha: number): Baseline | undefined {
  let b: Baseline | undefined;
  for (const x of xs) if (Number.isFinite(x)) b = update(b, x, alpha);
  return b;
}

export async function loadBaseline(store: Store, key: string): Promise<Baseline | undefined> {
  const raw = await store.get(key);
  if (!raw) return undefined;
  try {
    const b = JSON.parse(raw) as Baseline;
    return Number.isFinite(b.mean) && Number.isFinite(b.variance) ? b : undefined;
  } catch {
    return undefined;
  }
}

export async function saveBaseline(store: Store, key: string, b: Baseline, ttlMs: number): Promise<void> {
  await store.set(key, JSON.stringify(b), ttlMs);
}
