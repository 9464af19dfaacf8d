// Test helper: a real Net-SNMP snmpd (Debian's 5.9) on 127.0.0.1, with its own configuration and
// persistent directory in a temp folder. Printer-MIB, UPS-MIB and ENTITY-MIB values (which a Linux
// host does not have) are served through `pass_persist` by testdata/pass-persist-mib.mjs, from
// JSON files the test rewrites whenever it wants the "device" to say something else.
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Proc, startProcess, waitFor } from '@vigie/testkit';
import snmp from 'net-snmp';

/** Credentials of the snmpd made here (test values, not secrets of anything real). */
export const SNMPD_COMMUNITY = 'vigie-ro-test';
export const SNMPD_V3 = { user: 'vigie', authKey: 'auth-pass-7f3e9a', privKey: 'priv-pass-2b8c41' } as const;

/** OID (no leading dot) → [pass_persist type, value]: integer, gauge, counter, timeticks, string, octet (hex), objectid. */
export type MibValues = Record<string, [type: string, value: string | number]>;

export interface Snmpd {
  port: number;
  /** What snmpd printed (-Lo), for failure messages. */
  lines: string[];
  /** Replaces what a subtree given to startSnmpd serves; snmpd sees it on its next request. */
  serve(subtree: string, values: MibValues): void;
  stop(): Promise<void>;
}

const PASS_PERSIST_SCRIPT = fileURLToPath(new URL('./testdata/pass-persist-mib.mjs', import.meta.url));

/** A UDP port free on loopback right now (testkit's freePort is TCP). */
export async function freeUdpPort(): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', resolve);
  });
  const { port } = sock.address();
  await new Promise<void>((resolve) => sock.close(() => resolve()));
  return port;
}

async function answers(port: number): Promise<boolean> {
  const session = snmp.createSession('127.0.0.1', SNMPD_COMMUNITY, { port, version: snmp.Version2c, timeout: 300, retries: 0 });
  session.on('error', () => {});
  try {
    return await new Promise<boolean>((resolve) => session.get(['1.3.6.1.2.1.1.3.0'], (err) => resolve(!err)));
  } finally {
    session.close();
  }
}

async function stopProcess(proc: Proc): Promise<void> {
  const exited = proc.stop('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

/** sysLocation and sysContact of the snmpd made here, set in its configuration as an administrator would. */
export const SNMPD_SYSTEM = { location: 'Baie réseau, salle serveur (2e étage)', contact: 'Service informatique <it@acme.test>' } as const;

/**
 * Starts snmpd answering v1/v2c to SNMPD_COMMUNITY and v3 (SHA/AES authPriv) to SNMPD_V3, with
 * `mibs` (subtree → values) served through pass_persist. Always call stop(), in afterAll.
 */
export async function startSnmpd(mibs: Record<string, MibValues> = {}): Promise<Snmpd> {
  if (spawnSync('snmpd', ['-v']).error) throw new Error('snmpd is not installed: apt-get install snmpd snmp (or npm run setup -- --system)');
  const dir = mkdtempSync(join(tmpdir(), 'vigie-snmpd-'));
  const fileOf = (subtree: string) => join(dir, `mib-${subtree.replaceAll('.', '_')}.json`);
  const serve = (subtree: string, values: MibValues) => writeFileSync(fileOf(subtree), JSON.stringify(values));
  for (const [subtree, values] of Object.entries(mibs)) serve(subtree, values);

  const env = { ...process.env, SNMP_PERSISTENT_DIR: join(dir, 'persist'), SNMPCONFPATH: dir, MIBS: '' };
  // Another process may take the port between freeUdpPort() and snmpd's bind: try again on a new one.
  for (let attempt = 1; ; attempt++) {
    const port = await freeUdpPort();
    const conf = join(dir, 'snmpd.conf');
    writeFileSync(
      conf,
      [
        `agentAddress udp:127.0.0.1:${port}`,
        `rocommunity ${SNMPD_COMMUNITY} 127.0.0.1`,
        `createUser ${SNMPD_V3.user} SHA ${SNMPD_V3.authKey} AES ${SNMPD_V3.privKey}`,
        `rouser ${SNMPD_V3.user} priv`,
        `sysLocation ${SNMPD_SYSTEM.location}`,
        `sysContact ${SNMPD_SYSTEM.contact}`,
        ...Object.keys(mibs).map((subtree) => `pass_persist .${subtree} ${process.execPath} ${PASS_PERSIST_SCRIPT} ${fileOf(subtree)} ${subtree}`),
        '',
      ].join('\n'),
    );
    const proc = startProcess('snmpd', ['-f', '-Lo', '-C', '-c', conf, '-p', join(dir, 'snmpd.pid')], env);
    const killOnExit = () => proc.child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const stop = async () => {
      await stopProcess(proc);
      process.removeListener('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      await waitFor(
        'snmpd to answer',
        async () => {
          if (proc.child.exitCode !== null) throw new Error(`snmpd exited: ${proc.lines.slice(-5).join(' | ')}`);
          return answers(port);
        },
        10_000,
        100,
      );
      return { port, lines: proc.lines, serve, stop };
    } catch (err) {
      await stopProcess(proc);
      process.removeListener('exit', killOnExit);
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
}
