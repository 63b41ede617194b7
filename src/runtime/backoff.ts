// Exponential backoff with jitter, shared by the work queue and the watch reconnects.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Fraction of the delay that is randomised (0.2 = +-20 %), so retries of many keys spread out. */
  jitter: number;
}

export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponential = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 40));
  const spread = exponential * options.jitter * (2 * random() - 1);
  return Math.max(0, Math.min(options.maxMs, Math.round(exponential + spread)));
}
