// An overall rate limit for retries, like client-go's BucketRateLimiter: per-key backoff alone
// would let a burst of failing keys hammer Docker and the API server all at once.

export interface TokenBucketOptions {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Tokens the bucket holds at most: the burst allowed after a quiet period. */
  burst: number;
  now?: () => number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly options: Required<TokenBucketOptions>;

  constructor(options: TokenBucketOptions) {
    this.options = { now: Date.now, ...options };
    this.tokens = options.burst;
    this.last = this.options.now();
  }

  /** Takes one token and returns how long to wait until it is really available (0 if now). */
  reserve(): number {
    const now = this.options.now();
    const { ratePerSecond, burst } = this.options;
    this.tokens = Math.min(burst, this.tokens + ((now - this.last) / 1000) * ratePerSecond);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / ratePerSecond) * 1000);
  }
}
