// Which thresholds apply to a slave: the default, unless its pool has its own.
import { DEFAULT_THRESHOLDS, type Thresholds } from './state.js';

export interface ThresholdPolicy {
  default: Thresholds;
  /** Per-pool overrides, by pool name. */
  pools: Record<string, Thresholds>;
}

export const DEFAULT_POLICY: ThresholdPolicy = { default: DEFAULT_THRESHOLDS, pools: {} };

export function thresholdsFor(policy: ThresholdPolicy, pool: string | null): Thresholds {
  return (
    (pool !== null && Object.hasOwn(policy.pools, pool) && policy.pools[pool]) || policy.default
  );
}
