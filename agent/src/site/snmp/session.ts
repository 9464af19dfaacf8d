import { isIP } from 'node:net';
import snmp from 'net-snmp';
import type { SnmpTarget } from './config.js';

/** A decoded SNMP value: integers as numbers, Counter64 as bigint, OCTET STRING as Buffer, OID as a dotted string. */
export type SnmpValue = number | bigint | string | Buffer | boolean | null;
/** Row index (`7`, or `1.2` for a two-part index) → column number → value. */
export type SnmpTable = Map<string, Map<number, SnmpValue>>;

export type SnmpErrorKind = 'timeout' | 'auth' | 'protocol' | 'unsupported' | 'network' | 'refused';

/**
 * A request that got no usable answer. Its message is written here from the kind of failure, never
 * copied from net-snmp, whose errors may carry the community or the USM parameters.
 */
export class SnmpRequestError extends Error {
  constructor(
    readonly kind: SnmpErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'SnmpRequestError';
  }
}

export interface SnmpClient {
  /** Values of the OIDs that exist on the device (absent ones are left out of the map). */
  get(oids: readonly string[]): Promise<Map<string, SnmpValue>>;
  /** Walks the given columns of a table (one subtree walk per column), at most `maxRows` rows. */
  walkColumns(entryOid: string, columns: readonly number[], maxRows: number): Promise<SnmpTable>;
  close(): void;
}

const VERSIONS = { '1': snmp.Version1, '2c': snmp.Version2c } as const;
const COUNTER64 = snmp.ObjectType.Counter64;
/** Answers that strings of the USM report may carry; anything else is not repeated. */
const USM_REASONS = ['Unsupported Security Level', 'Not In Time Window', 'Unknown User Name', 'Unknown Engine ID', 'Wrong Digest', 'Decryption Error'];

/** Counter64 arrives as a big-endian Buffer of 1 to 9 bytes. */
export function counter64ToBigInt(buf: Buffer): bigint {
  let n = 0n;
  for (const byte of buf) n = (n << 8n) | BigInt(byte);
  return n & 0xffff_ffff_ffff_ffffn;
}

function decode(vb: snmp.Varbind): SnmpValue | undefined {
  if (snmp.isVarbindError(vb)) return undefined;
  if (vb.type === COUNTER64) return Buffer.isBuffer(vb.value) ? counter64ToBigInt(vb.value) : typeof vb.value === 'number' ? BigInt(vb.value) : undefined;
  const v = vb.value;
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || Buffer.isBuffer(v)) return v;
  return undefined;
}

export function classifyError(err: unknown, target: SnmpTarget): SnmpRequestError {
  if (err instanceof SnmpRequestError) return err;
  const e = err as { name?: string; code?: unknown; message?: string; status?: number };
  const waited = target.timeoutMs * (target.retries + 1);
  if (err instanceof snmp.RequestTimedOutError)
    return new SnmpRequestError(
      'timeout',
      `no SNMP answer within ${waited} ms (${target.retries + 1} ${target.retries ? 'tries' : 'try'}): device down, port filtered, or wrong community or credentials`,
    );
  if (err instanceof snmp.ResponseInvalidError) {
    if (e.code === snmp.ResponseInvalidCode.EAuthFailure || e.code === snmp.ResponseInvalidCode.ECouldNotDecrypt) {
      const reason = USM_REASONS.find((r) => e.message?.startsWith(r));
      return new SnmpRequestError('auth', `SNMPv3 authentication refused${reason ? ` (${reason})` : ''}: check the user, protocols and keys`);
    }
    if (e.code === snmp.ResponseInvalidCode.ECommunityNoMatch) return new SnmpRequestError('auth', 'the answer carried another community');
    return new SnmpRequestError('protocol', `invalid SNMP answer (net-snmp code ${String(e.code)})`);
  }
  if (err instanceof snmp.RequestFailedError) {
    const status = Object.entries(snmp.ErrorStatus).find(([, v]) => v === e.status)?.[0] ?? String(e.status);
    return new SnmpRequestError('protocol', `the device refused the request (${status})`);
  }
  if (e.code === 'ERR_OSSL_EVP_UNSUPPORTED')
    return new SnmpRequestError('unsupported', 'this runtime has no DES cipher (legacy OpenSSL provider): use AES privacy');
  if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return new SnmpRequestError('network', `network error ${e.code}`);
  if (e.message === 'Socket forcibly closed') return new SnmpRequestError('network', 'session closed');
  return new SnmpRequestError('protocol', `SNMP request failed (${e.name ?? 'error'})`);
}

function createNetSnmpSession(target: SnmpTarget): snmp.Session {
  const options: snmp.SessionOptions = {
    port: target.port,
    timeout: target.timeoutMs,
    retries: target.retries,
    transport: isIP(target.address) === 6 ? 'udp6' : 'udp4',
    // A device answering a get-next with an earlier OID would make a walk loop forever.
    backwardsGetNexts: false,
  };
  if (target.version !== '3') return snmp.createSession(target.address, target.community, { ...options, version: VERSIONS[target.version] });
  const u = target.v3;
  const user: snmp.User = { name: u.user, level: snmp.SecurityLevel[u.level] };
  if (u.level !== 'noAuthNoPriv') Object.assign(user, { authProtocol: snmp.AuthProtocols[u.authProtocol], authKey: u.authKey });
  if (u.level === 'authPriv') Object.assign(user, { privProtocol: snmp.PrivProtocols[u.privProtocol], privKey: u.privKey });
  return snmp.createV3Session(target.address, user, { ...options, version: snmp.Version3 });
}

/** An SNMP session on one target, with promise-returning reads. */
export function openSnmpClient(target: SnmpTarget): SnmpClient {
  let session: snmp.Session;
  try {
    session = createNetSnmpSession(target);
  } catch (err) {
    throw classifyError(err, target);
  }
  // Socket errors are reported through the pending requests; a listener keeps them from being thrown.
  session.on('error', () => {});
  let closed = false;

  const getOnce = (oids: readonly string[]) =>
    new Promise<snmp.Varbind[]>((resolve, reject) => {
      session.get([...oids], (err, varbinds) => (err ? reject(classifyError(err, target)) : resolve(varbinds ?? [])));
    });

  return {
    async get(oids) {
      const out = new Map<string, SnmpValue>();
      let varbinds: snmp.Varbind[];
      try {
        varbinds = await getOnce(oids);
      } catch (err) {
        // SNMPv1 fails a whole get for one missing OID (noSuchName): ask for them one by one.
        if (!(err instanceof SnmpRequestError && err.kind === 'protocol' && target.version === '1' && oids.length > 1)) throw err;
        varbinds = [];
        for (const oid of oids) {
          try {
            varbinds.push(...(await getOnce([oid])));
          } catch (one) {
            if (!(one instanceof SnmpRequestError && one.kind === 'protocol')) throw one;
          }
        }
      }
      for (const vb of varbinds) {
        const v = decode(vb);
        if (v !== undefined) out.set(vb.oid, v);
      }
      return out;
    },

    async walkColumns(entryOid, columns, maxRows) {
      const table: SnmpTable = new Map();
      for (const column of columns) {
        const prefix = `${entryOid}.${column}.`;
        await new Promise<void>((resolve, reject) => {
          session.subtree(
            `${entryOid}.${column}`,
            20,
            (varbinds) => {
              for (const vb of varbinds) {
                const value = decode(vb);
                if (value === undefined || !vb.oid.startsWith(prefix)) continue;
                const index = vb.oid.slice(prefix.length);
                let row = table.get(index);
                if (!row) {
                  if (table.size >= maxRows) return true;
                  row = new Map();
                  table.set(index, row);
                }
                row.set(column, value);
              }
              return false;
            },
            (err) => (err ? reject(classifyError(err, target)) : resolve()),
          );
        });
      }
      return table;
    },

    close() {
      if (closed) return;
      closed = true;
      try {
        session.close();
      } catch {
        // already closed by a socket error
      }
    },
  };
}
