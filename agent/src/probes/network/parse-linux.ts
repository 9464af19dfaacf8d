/** /proc/net/route: tab-separated, addresses as little-endian hex. RTF_UP | RTF_GATEWAY on a 0.0.0.0/0 route is a default gateway. */
const RTF_UP = 0x1;
const RTF_GATEWAY = 0x2;

/** `010200C0` (little-endian) → `192.0.2.1`. */
function hexToIPv4(hex: string): string | undefined {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return undefined;
  const n = Number.parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24].join('.');
}

/** The IPv4 default gateway with the lowest metric (what `ip route get` would use), or undefined when there is none. */
export function parseProcNetRoute(text: string): string | undefined {
  let best: { gateway: string; metric: number } | undefined;
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const [, destination, gatewayHex, flagsHex, , , metricText, mask] = f;
    const flags = Number.parseInt(flagsHex ?? '', 16);
    if (destination !== '00000000' || mask !== '00000000' || !(flags & RTF_UP) || !(flags & RTF_GATEWAY)) continue;
    const gateway = hexToIPv4(gatewayHex ?? '');
    const metric = Number(metricText);
    if (gateway && gateway !== '0.0.0.0' && (!best || metric < best.metric)) best = { gateway, metric };
  }
  return best?.gateway;
}

/** A sysfs counter or setting: a number, or null when the file holds none (a link that is down has no speed). */
export function sysfsNumber(text: string | undefined): number | null {
  const n = Number.parseInt(text?.trim() ?? '', 10);
  return Number.isFinite(n) ? n : null;
}
