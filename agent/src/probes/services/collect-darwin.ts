import type { ProbeContext } from '../probe.js';
import { type PlatformServices, topBy } from './model.js';
import { launchdObservation, parseLaunchctlList, parsePs } from './parse-darwin.js';

async function stdoutOf(ctx: ProbeContext, file: string, args: string[]): Promise<string> {
  const r = await ctx.run(file, args, { timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`${file} exited with ${r.code}: ${r.stderr.trim().slice(0, 300)}`);
  return r.stdout;
}

/** macOS: launchd jobs of the agent's domain (system jobs when it runs as root); ps for the top processes. */
export function darwinServices(ctx: ProbeContext): PlatformServices {
  return {
    async services(required) {
      const jobs = parseLaunchctlList(await stdoutOf(ctx, 'launchctl', ['list']));
      return { method: 'launchd', observations: required.map((name) => launchdObservation(name, jobs)) };
    },
    async topProcesses(n) {
      const list = parsePs(await stdoutOf(ctx, 'ps', ['-Aco', 'pid=,pcpu=,rss=,comm=']));
      return { ...topBy(list, n), source: 'ps (%CPU is a decaying average)' };
    },
  };
}
