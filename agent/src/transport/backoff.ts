/** Exponential backoff with full jitter (a random delay up to the exponential ceiling). */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs = 1000,
    private readonly maxMs = 60_000,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * The next delay: uniform between a floor and the exponential ceiling. `minCeilingMs` widens the
   * spread when many agents are known to move at once (a collector gone: all its agents fail over).
   */
  next(minCeilingMs = 0): number {
    const ceiling = Math.max(minCeilingMs, Math.min(this.maxMs, this.baseMs * 2 ** this.attempt));
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.floor(this.random() * ceiling) + Math.min(250, this.baseMs);
  }

  /** After a refusal that retrying soon will not fix (bad or revoked credential). */
  longest(): number {
    this.attempt = 30;
    return this.maxMs * 5 + Math.floor(this.random() * this.maxMs);
  }

  reset(): void {
    this.attempt = 0;
  }
}
