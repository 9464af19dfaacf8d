import { scanAddresses } from './cidr.js';
import { parseSnmpTarget } from './config.js';
import { SYSTEM } from './oids.js';
import { openSnmpClient } from './session.js';
import { deviceText } from './text.js';

export interface SubnetScanOptions {
  /** SNMPv2c community tried on every address (default `public`). */
  community?: string;
  port?: number;
  /** Per address, one try (default 800 ms). */
  timeoutMs?: number;
  /** Addresses probed at once (default 32, at most 64). */
  concurrency?: number;
  /** Scan a range that is not private (RFC 1918, loopback, ULA). Off by default. */
  allowPublic?: boolean;
  /** Stops the scan: no new address is probed, the ones in flight finish. */
  signal?: AbortSignal;
}

export interface ScanResponder {
  address: string;
  sysObjectID: string;
  sysName: string;
  sysDescr: string;
}

/**
 * Opt-in discovery: an SNMPv2c get of sysObjectID (with sysName, sysDescr) on every address of a
 * range of at most 1024 addresses, a bounded number at a time. Returns the addresses that answered,
 * in address order. Throws ScanRefusedError for a range too large or public (unless allowed).
 */
export async function scanSubnet(cidr: string, options: SubnetScanOptions = {}): Promise<ScanResponder[]> {
  const addresses = scanAddresses(cidr, { allowPublic: options.allowPublic });
  const concurrency = Math.min(64, Math.max(1, Math.floor(options.concurrency ?? 32)));
  const base = {
    version: '2c',
    community: options.community ?? 'public',
    port: options.port ?? 161,
    timeoutMs: options.timeoutMs ?? 800,
    retries: 0,
    ping: false,
  };
  parseSnmpTarget({ ...base, address: '127.0.0.1' }); // refuses a bad community, port or timeout once, before any packet

  const found: (ScanResponder | undefined)[] = new Array(addresses.length);
  let next = 0;
  const worker = async () => {
    while (next < addresses.length && !options.signal?.aborted) {
      const i = next++;
      found[i] = await probe(addresses[i]!, base);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, addresses.length) }, worker));
  return found.filter((r): r is ScanResponder => r !== undefined);
}

async function probe(address: string, base: object): Promise<ScanResponder | undefined> {
  const client = openSnmpClient(parseSnmpTarget({ ...base, address }));
  try {
    const v = await client.get([SYSTEM.sysObjectID, SYSTEM.sysName, SYSTEM.sysDescr]);
    const oid = v.get(SYSTEM.sysObjectID);
    if (typeof oid !== 'string') return undefined;
    return { address, sysObjectID: oid, sysName: deviceText(v.get(SYSTEM.sysName)), sysDescr: deviceText(v.get(SYSTEM.sysDescr), 512) };
  } catch {
    return undefined; // silence, refusal or an unreachable host: not a responder
  } finally {
    client.close();
  }
}
