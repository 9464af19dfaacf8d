import { type CheckResult, maskUrlCredentials, maskUrlCredentialsDeep, type PolicyBody, resolveProbeConfig } from '@vigie/shared';
import type { Log } from '../log.js';
import { noGrantedScripts, type ProbeContext, type ProbeDefinition, type RunGrantedScript, runCommand } from './probe.js';

/** ±10 % of the interval, so agents and probes do not run in lockstep. */
const jittered = (ms: number) => Math.round(ms * (0.9 + Math.random() * 0.2));

/**
 * Runs every registered probe that applies to this platform on its own schedule, with the
 * configuration the policy gives it (over its defaults) and a timeout. A probe that throws or times
 * out becomes an `unknown` result with code PROBE_ERROR: the agent never stops because of a probe.
 */
export class ProbeRunner {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly probes: readonly ProbeDefinition[],
    private readonly emit: (results: CheckResult[]) => Promise<void>,
    private readonly log: Log,
    private readonly platform: NodeJS.Platform = process.platform,
    private readonly runGrantedScript: RunGrantedScript = noGrantedScripts,
  ) {}

  /** Applies a policy: (re)schedules each probe; the first run comes soon, at a random point. */
  apply(policy: PolicyBody): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    if (this.stopped) return;
    for (const probe of this.probes) {
      if (!probe.platforms.includes(this.platform)) continue;
      const resolved = resolveProbeConfig(probe.spec, policy.probes[probe.spec.id]);
      if (!resolved.ok) {
        this.log.warn('probe configuration refused', { probe: probe.spec.id, error: resolved.error });
        continue;
      }
      const config = resolved.config as { enabled: boolean; intervalSec: number; timeoutSec: number };
      if (!config.enabled) continue;
      const loop = (delay: number) => {
        this.timers.set(
          probe.spec.id,
          setTimeout(async () => {
            await this.runOnce(probe, config);
            if (!this.stopped) loop(jittered(config.intervalSec * 1000));
          }, delay),
        );
      };
      // First runs spread over the first two minutes (or a tenth of a short interval), so a new agent
      // reports soon without running every probe at the same moment.
      loop(Math.round(Math.random() * Math.min(120_000, config.intervalSec * 100)));
    }
  }

  /** One run of a probe with its timeout; its results (or its error as a result) are emitted. */
  async runOnce(probe: ProbeDefinition, config: { timeoutSec: number }): Promise<CheckResult[]> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), config.timeoutSec * 1000);
    const ctx: ProbeContext = {
      now: () => Date.now(),
      signal: ac.signal,
      platform: this.platform,
      run: (f, a, o) => runCommand(f, a, ac.signal, o),
      runGrantedScript: this.runGrantedScript,
    };
    let results: CheckResult[];
    try {
      results = await Promise.race([
        probe.collect(ctx, config as never),
        new Promise<never>((_, reject) => ac.signal.addEventListener('abort', () => reject(new Error(`timed out after ${config.timeoutSec} s`)))),
      ]);
    } catch (err) {
      this.log.warn('probe failed', { probe: probe.spec.id, err: (err as Error).message });
      results = [
        {
          check: probe.spec.id,
          target: '*',
          status: 'unknown',
          code: 'PROBE_ERROR',
          message: `${probe.spec.id}: ${(err as Error).message}`.slice(0, 2000),
          observedAt: Date.now(),
        },
      ];
    } finally {
      clearTimeout(timer);
    }
    // A URL in a policy may carry a password (`http://user:pw@…`, restic's `rest:https://…`): results
    // name their target and what a tool said, and reach client users, so the password is masked here.
    results = results.map((r) => ({
      ...r,
      target: maskUrlCredentials(r.target),
      message: maskUrlCredentials(r.message),
      ...(r.values ? { values: maskUrlCredentialsDeep(r.values) } : {}),
    }));
    if (results.length > 0) await this.emit(results);
    return results;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
