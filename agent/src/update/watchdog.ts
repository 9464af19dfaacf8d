import type { Log } from '../log.js';
import { readMarker, writeMarker } from './marker.js';
import { type UpdatePlatform, updatePlatform } from './update-platform.js';

const alive = (pid: number | undefined) => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * `vigie-agent update-watch`: run from the previous executable, outside the agent's process tree.
 * Waits until the new version reports healthy; if it has not by the deadline (it exits at start,
 * hangs, cannot reach the collector), puts the previous executable back, records why, and ends the
 * new version's process if it is still there, so the service manager starts the previous one.
 */
export async function watchUpdate(stateDir: string, log: Log, o: { platform?: UpdatePlatform; pollMs?: number } = {}): Promise<number> {
  const platform = o.platform ?? updatePlatform();
  const poll = o.pollMs ?? 500;
  for (;;) {
    const m = await readMarker(stateDir);
    if (m?.state !== 'installed') return 0;
    if (Date.now() > m.deadline) {
      await platform.restore(m.executable, m.previous, `${m.executable}.failed`);
      m.state = 'rolled-back';
      m.reason = `${m.to} did not connect and report healthy within ${m.graceSec} s${alive(m.pid) ? ' (it was running, stopped)' : m.pid ? ' (it had started, then ended)' : ' (it never ran as an agent: it exited or hung at start)'}`;
      await writeMarker(stateDir, m);
      log.warn('agent update rolled back', { to: m.to, reason: m.reason });
      if (alive(m.pid)) process.kill(m.pid!, 'SIGTERM');
      return 0;
    }
    await new Promise((r) => setTimeout(r, poll));
  }
}
