// Token-bucket rate limiting per caller (token id, or the remote address for requests without
// a valid token, which also slows down token guessing). Buckets refill continuously; the map
// is swept of full buckets so idle callers cost no memory.

export interface RateLimitSettings {
  /** Sustained requests per second. */
  rate: number;
  /** Requests allowed at once after an idle period. */
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const SWEEP_EVERY = 1024;

export class TokenBucketLimiter {
  private readonly settings: RateLimitSettings;
  private readonly now: () => number;
  private readonly buckets = new Map<string, Bucket>();
  private calls = 0;

  constructor(settings: RateLimitSettings, now: () => number = Date.now) {
    this.settings = settings;
    this.now = now;
  }

  /** 0 when the request may proceed (and is counted), else the seconds to wait before retrying. */
  take(key: string): number {
    const now = this.now();
    if (++this.calls % SWEEP_EVERY === 0) this.sweep(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.settings.burst, at: now };
    bucket.tokens = Math.min(this.settings.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.settings.rate);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.settings.rate));
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.settings.rate >= this.settings.burst) this.buckets.delete(key);
    }
  }
}
