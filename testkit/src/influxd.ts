import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type Proc, startProcess, waitFor } from './index.js';

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

export interface Influxd {
  /** HTTP port on 127.0.0.1. */
  port: number;
  /** The running influxd's process id (for CPU and memory figures). */
  pid(): number | undefined;
  /** `influx://127.0.0.1:<port>/<database>`, the collector's --metrics value. */
  url(database: string): string;
  /** `POST /query` (InfluxQL), epoch milliseconds; throws on an error result. */
  query(statement: string, database?: string): Promise<InfluxSeries[]>;
  /** Kills the server and starts it again on the same ports and data (a restart, or an outage with `down`). */
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A private InfluxDB 1.x (Debian's `influxdb` package) on loopback with its data in a temporary
 * folder. influxd cannot listen on port 0, so free ports are picked by binding briefly. Continuous
 * queries are looked at every second and retention every `retentionCheck`.
 */
export async function startInfluxd(opts: { retentionCheck?: string } = {}): Promise<Influxd> {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-influxd-'));
  const port = await freePort();
  let rpcPort = await freePort();
  while (rpcPort === port) rpcPort = await freePort();
  const conf = join(dir, 'influxd.conf');
  writeFileSync(
    conf,
    `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${join(dir, 'meta')}"
[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:${port}"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  log-enabled = false
  run-interval = "1s"
[retention]
  check-interval = "${opts.retentionCheck ?? '30m'}"
[logging]
  level = "warn"
`,
  );
  let proc: Proc | undefined;
  const base = `http://127.0.0.1:${port}`;
  const up = async () => {
    proc = startProcess('influxd', ['-config', conf]);
    const p = proc;
    await waitFor(
      `influxd on ${port}`,
      async () => {
        if (p.child.exitCode !== null) throw new Error(`influxd exited ${p.child.exitCode}: ${p.lines.slice(-5).join(' | ')}`);
        return (await fetch(`${base}/ping`)).status === 204;
      },
      30_000,
      100,
    );
  };
  await up();
  return {
    port,
    pid: () => proc?.child.pid,
    url: (database) => `influx://127.0.0.1:${port}/${database}`,
    async query(statement, database) {
      const body = new URLSearchParams({ q: statement, epoch: 'ms', ...(database ? { db: database } : {}) });
      const res = await fetch(`${base}/query`, { method: 'POST', body });
      const json = (await res.json()) as { error?: string; results?: { error?: string; series?: InfluxSeries[] }[] };
      const error = json.error ?? json.results?.[0]?.error;
      if (error) throw new Error(`influxd: ${error} (${statement})`);
      return json.results?.[0]?.series ?? [];
    },
    async down() {
      await proc?.stop();
      proc = undefined;
    },
    up,
    async stop() {
      await proc?.stop();
      proc = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
