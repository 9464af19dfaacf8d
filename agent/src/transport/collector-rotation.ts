import { Backoff } from './backoff.js';

/** What to do after a connection closed: which collector to try, and after how long. */
export interface NextAttempt {
  url: string;
  delayMs: number;
  /** Another collector of the list than the one just tried. */
  switched: boolean;
}

/**
 * Which collector of the ordered list the agent talks to, and when it tries again.
 *
 * - An attempt that fails (refused, unreachable, closed before the collector accepted the agent)
 *   moves on to the next URL of the list, cycling, so one dead collector never holds the agent.
 * - A connection that was up (accepted, and stayed up `stableMs`) and is lost is tried once more
 *   at the same URL first (a network blip or a restart must not move the agent), then the
 *   attempt's failure moves it on. One dropped sooner is a failed attempt.
 * - Moving on waits a random delay spread over at least `spreadMs` (full jitter): when a collector
 *   dies, its 10,000 agents reach the next one over those seconds, not all in the same one.
 * - Once connected, the agent stays where it is: it does not go back to the primary when the
 *   primary returns. The collectors share one store, so which one holds the agent changes nothing
 *   for its data; going back would mean probing the primary while connected elsewhere, and a
 *   primary that comes and goes would drag every agent back and forth with it (and bring them all
 *   at once on its return). The primary is the first tried at each start of the agent, and an
 *   operator rebalances by restarting a collector.
 */
export class CollectorRotation {
  private index = 0;
  private switches = 0;
  /** When the collector accepted the current connection (its first ack), by `now`. */
  private acceptedAt: number | undefined;

  /**
   * `stableMs`: how long an accepted connection must stay up to count as a good one (a fresh
   * backoff, the same collector tried again after a loss). A collector that accepts the agent
   * then drops it at once (broken store, crash loop, a proxy cutting it) would otherwise hold it
   * forever at the shortest delay; such a connection counts as a failed attempt.
   */
  constructor(
    readonly urls: readonly string[],
    private readonly backoff: Backoff = new Backoff(),
    private readonly spreadMs = 10_000,
    private readonly stableMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {
    if (urls.length === 0) throw new Error('no collector URL');
  }

  get current(): string {
    return this.urls[this.index]!;
  }

  get failovers(): number {
    return this.switches;
  }

  /** The collector accepted the agent (its first ack came); it counts once it stayed up `stableMs`. */
  accepted(): void {
    this.acceptedAt = this.now();
  }

  /**
   * The connection closed. `wasAccepted`: the collector had accepted it (acknowledged) before it
   * closed; it counts as up only if that lasted `stableMs`. `credentialRefused`: the collector
   * refused the agent's credential (waiting minutes; another collector of the list is tried then,
   * in case only that one was wrong).
   */
  afterClose(o: { wasAccepted: boolean; credentialRefused?: boolean }): NextAttempt {
    const stayedUp = o.wasAccepted && this.acceptedAt !== undefined && this.now() - this.acceptedAt >= this.stableMs;
    this.acceptedAt = undefined;
    if (stayedUp) this.backoff.reset();
    if (o.credentialRefused) return { ...this.advance(), delayMs: this.backoff.longest() };
    if (stayedUp || this.urls.length === 1) return { url: this.current, delayMs: this.backoff.next(), switched: false };
    return { ...this.advance(), delayMs: this.backoff.next(this.spreadMs) };
  }

  private advance(): { url: string; switched: boolean } {
    if (this.urls.length === 1) return { url: this.current, switched: false };
    this.index = (this.index + 1) % this.urls.length;
    this.switches++;
    return { url: this.current, switched: true };
  }
}
