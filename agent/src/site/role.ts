import {
  flowsProbeSpec,
  type PolicyBody,
  resolveProbeConfig,
  type SiteDevice,
  type SnmpProbeConfig,
  type SnmpTargetConfig,
  snmpProbeSpec,
} from '@vigie/shared';
import type { Log } from '../log.js';

type Emit = (type: string, body: unknown) => Promise<void>;
type SnmpModule = typeof import('./snmp/index.js');

/** `snmp:192.168.1.20`, `snmp:192.168.1.20:1161`, `snmp:[fd00::1]:1161`: a watched device's key. */
export function snmpDeviceKey(address: string, port = 161): string {
  const host = address.includes(':') ? `[${address}]` : address;
  return port === 161 && !address.includes(':') ? `snmp:${address}` : `snmp:${host}${port === 161 ? '' : `:${port}`}`;
}

/** ±10 % so that sites do not poll in lockstep. */
const jitter = (ms: number) => Math.round(ms * (0.9 + Math.random() * 0.2));
const IDENTITY_RESEND_MS = 3_600_000;

/**
 * The agent's site role: the devices of its site that carry no agent (switches, printers, UPS —
 * SNMP) and the network flows its router exports, reported for the collector. Off unless a policy
 * gives SNMP targets, a scan, or an enabled flow receiver; the modules load only then, so an agent
 * without the role carries none of it.
 */
export class SiteRole {
  private snmp:
    | { config: SnmpProbeConfig; timer?: NodeJS.Timeout; scanTimer?: NodeJS.Timeout; pollers: Map<string, unknown>; scanned: SnmpTargetConfig[] }
    | undefined;
  private flows: { close(): Promise<void> } | undefined;
  private snmpModule: Promise<SnmpModule> | undefined;
  private running: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  private readonly identities = new Map<string, { hash: string; sentAt: number }>();
  private stopped = false;
  private snmpKey = '';
  private flowsKey = '';

  constructor(
    private readonly emit: Emit,
    private readonly log: Log,
  ) {}

  apply(policy: PolicyBody): void {
    if (this.stopped) return;
    this.applySnmp(policy.probes[snmpProbeSpec.id]);
    this.starting = this.applyFlows(policy.probes[flowsProbeSpec.id]).catch((err: Error) =>
      this.log.error('flow receiver failed to start', { err: err.message }),
    );
  }

  /** Resolves once what the last policy asked for is started (the flow receiver listens). */
  async settled(): Promise<void> {
    await this.starting;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopSnmp();
    await this.starting;
    await this.stopFlows();
    await this.running;
  }

  // ---- SNMP -------------------------------------------------------------------------------------

  private applySnmp(given: unknown): void {
    const key = JSON.stringify(given ?? null);
    if (key === this.snmpKey) return;
    this.snmpKey = key;
    this.stopSnmp();
    if (given === undefined) return;
    const r = resolveProbeConfig(snmpProbeSpec, given);
    if (!r.ok) {
      this.log.warn('snmp policy refused', { error: r.error });
      return;
    }
    const config = r.config;
    if (!config.enabled || (config.targets.length === 0 && !config.scan)) return;
    this.snmpModule ??= import('./snmp/index.js');
    this.snmp = { config, pollers: new Map(), scanned: [] };
    this.log.info('site role: SNMP polling', { targets: config.targets.length, scan: config.scan ? config.scan.cidr : null, intervalSec: config.intervalSec });
    if (config.scan) this.scheduleScan(Math.round(Math.random() * 30_000));
    this.schedulePoll(Math.round(Math.random() * 10_000));
  }

  private stopSnmp(): void {
    if (!this.snmp) return;
    clearTimeout(this.snmp.timer);
    clearTimeout(this.snmp.scanTimer);
    this.snmp = undefined;
  }

  private schedulePoll(delayMs: number): void {
    const s = this.snmp;
    if (!s || this.stopped) return;
    s.timer = setTimeout(() => {
      this.running = this.pollAll(s)
        .catch((err: Error) => this.log.error('snmp poll round failed', { err: err.message }))
        .finally(() => {
          this.running = undefined;
          if (this.snmp === s) this.schedulePoll(jitter(s.config.intervalSec * 1000));
        });
    }, delayMs);
  }

  private scheduleScan(delayMs: number): void {
    const s = this.snmp;
    const scan = s?.config.scan;
    if (!s || !scan || this.stopped) return;
    s.scanTimer = setTimeout(async () => {
      try {
        const mod = await this.snmpModule!;
        const found = await mod.scanSubnet(scan.cidr, { community: scan.community });
        s.scanned = found.map((f) => ({ version: '2c', address: f.address, community: scan.community }));
        this.log.info('site role: subnet scanned', { cidr: scan.cidr, found: found.length });
      } catch (err) {
        this.log.warn('subnet scan refused or failed', { err: (err as Error).message });
      }
      if (this.snmp === s) this.scheduleScan(scan.everySec * 1000);
    }, delayMs);
  }

  /** One round: every target polled (4 at a time), its metrics, checks and identity emitted. */
  async pollAll(s = this.snmp): Promise<void> {
    if (!s) return;
    const mod = await this.snmpModule!;
    const targets = [...s.config.targets];
    for (const t of s.scanned) if (!targets.some((x) => x.address === t.address)) targets.push(t);
    const devices: SiteDevice[] = [];
    let next = 0;
    const worker = async () => {
      while (next < targets.length && this.snmp === s) {
        const target = targets[next++]!;
        const key = snmpDeviceKey(target.address, target.port ?? 161);
        try {
          let poller = s.pollers.get(key) as InstanceType<SnmpModule['SnmpPoller']> | undefined;
          if (!poller) {
            poller = new mod.SnmpPoller(target, { allowLinkLocal: s.config.allowLinkLocal ?? false });
            s.pollers.set(key, poller);
          }
          const result = await poller.poll(Date.now());
          const { checks, metrics } = mod.toChecksAndMetrics(result, s.config.thresholds ?? {});
          if (Object.keys(metrics).length > 0) await this.emit('metrics', { device: key, samples: [{ ts: result.observedAt, values: metrics }] });
          if (checks.length > 0) await this.emit('checks', { device: key, results: checks });
          devices.push({
            key,
            address: target.address,
            kind: result.kind ?? 'unknown',
            name: (result.identity?.sysName || target.address).slice(0, 256),
            ...(result.identity
              ? {
                  description: result.identity.sysDescr.slice(0, 4096),
                  objectId: result.identity.sysObjectID.slice(0, 256),
                  uptimeSec: result.identity.sysUpTime,
                  ...(result.identity.sysLocation ? { location: result.identity.sysLocation.slice(0, 256) } : {}),
                  ...(result.identity.sysContact ? { contact: result.identity.sysContact.slice(0, 256) } : {}),
                }
              : {}),
            serials: (result.identity?.serials ?? [])
              .slice(0, 64)
              .map((x) => ({ serial: x.serial.slice(0, 256), description: x.descr.slice(0, 1024), class: x.class.slice(0, 64) })),
            reachable: result.reachable,
            observedAt: result.observedAt,
          });
        } catch (err) {
          this.log.warn('snmp target refused', { target: key, err: (err as Error).message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, targets.length) }, worker));
    await this.reportIdentities(devices);
  }

  /** The identities, when one changed (or hourly): the collector keeps them as agentless devices. */
  private async reportIdentities(devices: SiteDevice[]): Promise<void> {
    if (devices.length === 0) return;
    const now = Date.now();
    const hashOf = ({ observedAt: _o, uptimeSec: _u, ...stable }: SiteDevice) => JSON.stringify(stable);
    const changed = devices.some((d) => {
      const prev = this.identities.get(d.key);
      return !prev || prev.hash !== hashOf(d) || now - prev.sentAt > IDENTITY_RESEND_MS;
    });
    if (!changed) return;
    for (let i = 0; i < devices.length; i += 512) await this.emit('site-devices', { devices: devices.slice(i, i + 512) });
    for (const d of devices) this.identities.set(d.key, { hash: hashOf(d), sentAt: now });
  }

  // ---- flows ------------------------------------------------------------------------------------

  private async applyFlows(given: unknown): Promise<void> {
    const key = JSON.stringify(given ?? null);
    if (key === this.flowsKey) return;
    this.flowsKey = key;
    await this.stopFlows();
    if (given === undefined) return;
    const r = resolveProbeConfig(flowsProbeSpec, given);
    if (!r.ok) {
      this.log.warn('flows policy refused', { error: r.error });
      return;
    }
    if (!r.config.enabled) return;
    const { startFlowRole } = await import('./flows-role.js');
    if (this.stopped || this.flowsKey !== key) return;
    this.flows = await startFlowRole(
      r.config,
      (body) => this.emit('flows', body),
      this.log,
      (body) => this.emit('checks', body),
    );
  }

  private async stopFlows(): Promise<void> {
    const f = this.flows;
    this.flows = undefined;
    if (!f) return;
    await f.close();
  }
}
