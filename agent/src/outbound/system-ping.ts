import { isIP } from 'node:net';
import ping from 'ping';

export interface PingOptions {
  /** Echo requests to send. */
  count: number;
  /** Seconds to wait for each reply. */
  timeoutSec: number;
  /** Seconds the whole run may last. */
  deadlineSec: number;
}

/**
 * The system `ping` (through the `ping` package) for every probe that pings. It only takes an IP
 * literal — the address resolveOutbound checked, so ping resolves nothing itself — and, where the
 * program reads options with getopt (Linux, macOS), puts `--` before it: no value is ever read as
 * one of its options. Windows' ping.exe knows no `--`; the literal alone is never an option there.
 */
export type PingResponse = Awaited<ReturnType<typeof ping.promise.probe>>;

export function systemPing(address: string, o: PingOptions): Promise<PingResponse> {
  const family = isIP(address);
  if (family === 0) return Promise.reject(new Error(`not an IP address: ${JSON.stringify(address.slice(0, 64))}`));
  const endOfOptions = process.platform === 'win32' ? [] : ['--'];
  return ping.promise.probe(address, { min_reply: o.count, timeout: o.timeoutSec, deadline: o.deadlineSec, v6: family === 6, extra: endOfOptions });
}
