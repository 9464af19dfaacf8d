import { OutboundRefusedError, resolveOutbound } from '../../outbound/index.js';
import { describeTarget, parseSnmpTarget, type SnmpTarget, type SnmpTargetConfig } from './config.js';
import { type DeviceClock, type InterfaceCounters, interfaceRates } from './counters.js';
import { readSerials, readSystem, type SnmpIdentity } from './identity.js';
import { type InterfaceReading, readInterfaces, type SnmpInterface } from './interfaces.js';
import { type Pinger, type PingResult, systemPing } from './ping.js';
import { type PrinterStatus, readPrinter } from './printer.js';
import { classifyError, openSnmpClient, type SnmpErrorKind } from './session.js';
import { readUps, type UpsStatus } from './ups.js';

export type DeviceKind = 'network' | 'printer' | 'ups';

export interface SnmpPollResult {
  /** `address:port`, never the community or the keys. */
  target: string;
  address: string;
  observedAt: number;
  /** Whether the device answered SNMP (the system group). */
  reachable: boolean;
  /** Why it did not, when it did not (`refused`: the outbound guard kept the agent from contacting it). */
  error: { kind: SnmpErrorKind; message: string; refused?: { address: string; reason: string } } | null;
  /** ICMP echo, apart from SNMP; null when the target has `ping: false`. */
  ping: PingResult | null;
  identity: SnmpIdentity | null;
  /** printer if the Printer-MIB answers, ups if the UPS-MIB answers, else network. A printer may have a UPS-MIB too: both are read. */
  kind: DeviceKind | null;
  interfaces: SnmpInterface[];
  printer: PrinterStatus | null;
  ups: UpsStatus | null;
  /** Parts the device did not give although it answered (a MIB walk that timed out…). */
  warnings: string[];
}

export interface SnmpPollerOptions {
  /** Most interfaces read (default 1024). */
  maxInterfaces?: number;
  /** Most rows read from the other tables: supplies, ENTITY-MIB entries (default 256). */
  maxTableRows?: number;
  /** ICMP echo (default: the system ping); tests may inject their own. */
  pinger?: Pinger;
  /** The policy's opt-in to link-local and cloud-metadata addresses (refused otherwise). */
  allowLinkLocal?: boolean;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

interface CounterState {
  clock: DeviceClock;
  counters: Map<number, InterfaceCounters>;
}

/**
 * Polls one SNMP device. One instance per target: it keeps the previous counters, so interface
 * rates exist from the second poll on. A device that does not answer is a result
 * (`reachable: false`), not an exception; an invalid target is refused by the constructor.
 */
export class SnmpPoller {
  readonly #target: SnmpTarget;
  readonly #maxInterfaces: number;
  readonly #maxTableRows: number;
  readonly #pinger: Pinger;
  readonly #allowLinkLocal: boolean;
  #state: CounterState | undefined;
  #running: Promise<unknown> = Promise.resolve();

  constructor(target: SnmpTargetConfig, options: SnmpPollerOptions = {}) {
    this.#target = parseSnmpTarget(target);
    this.#maxInterfaces = positiveInteger('maxInterfaces', options.maxInterfaces, 1024);
    this.#maxTableRows = positiveInteger('maxTableRows', options.maxTableRows, 256);
    this.#pinger = options.pinger ?? systemPing;
    this.#allowLinkLocal = options.allowLinkLocal ?? false;
  }

  /** `address:port`. */
  get target(): string {
    return describeTarget(this.#target);
  }

  /** One poll; calls made while one runs wait for it (the counters need polls in order). */
  poll(now: number = Date.now()): Promise<SnmpPollResult> {
    const next = this.#running.then(() => this.#poll(now));
    this.#running = next.catch(() => undefined);
    return next;
  }

  async #poll(now: number): Promise<SnmpPollResult> {
    const t = this.#target;
    const result: SnmpPollResult = {
      target: describeTarget(t),
      address: t.address,
      observedAt: now,
      reachable: false,
      error: null,
      ping: null,
      identity: null,
      kind: null,
      interfaces: [],
      printer: null,
      ups: null,
      warnings: [],
    };
    // The outbound guard, then SNMP and ping to the address it checked and no other.
    let address: string;
    try {
      address = (await resolveOutbound(t.address, { allowLinkLocal: this.#allowLinkLocal })).address;
    } catch (err) {
      result.error =
        err instanceof OutboundRefusedError
          ? { kind: 'refused', message: err.message, refused: { address: err.address, reason: err.reason } }
          : { kind: 'network', message: `${t.address} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
      return result;
    }
    const pinging: Promise<PingResult | null> = t.ping
      ? this.#pinger(address).catch(() => ({ alive: false, lossPct: null, rttAvgMs: null }))
      : Promise.resolve(null);
    try {
      await this.#read(result, now, address);
    } catch (err) {
      const e = classifyError(err, t);
      result.error = { kind: e.kind, message: e.message };
    }
    result.ping = await pinging;
    return result;
  }

  async #read(result: SnmpPollResult, now: number, address: string): Promise<void> {
    const client = openSnmpClient({ ...this.#target, address });
    try {
      const system = await readSystem(client);
      result.reachable = true;
      let gaveUp = false;
      // Once a part times out the device has gone quiet: the next parts would only wait as long.
      const part = async <T>(mib: string, read: () => Promise<T>): Promise<T | undefined> => {
        if (gaveUp) return undefined;
        try {
          return await read();
        } catch (err) {
          const e = classifyError(err, this.#target);
          if (e.kind === 'timeout') gaveUp = true;
          result.warnings.push(`${mib}: ${e.message}`);
          return undefined;
        }
      };
      const readings = await part('IF-MIB', () => readInterfaces(client, this.#maxInterfaces));
      const serials = await part('ENTITY-MIB', () => readSerials(client, this.#maxTableRows));
      const printer = await part('Printer-MIB', () => readPrinter(client, this.#maxTableRows));
      // Read whatever the device is: a printer (or a switch) with a UPS inside answers both MIBs.
      const ups = await part('UPS-MIB', () => readUps(client, now, system.sysUpTimeCs));

      result.identity = { ...system.identity, serials: serials ?? [] };
      result.printer = printer ?? null;
      result.ups = ups ?? null;
      result.kind = printer ? 'printer' : ups ? 'ups' : 'network';
      if (readings) result.interfaces = this.#rates(readings, { atMs: now, sysUpTimeCs: system.sysUpTimeCs });
      if (gaveUp) result.warnings.push('later parts skipped after a timeout');
    } finally {
      client.close();
    }
  }

  #rates(readings: InterfaceReading[], clock: DeviceClock): SnmpInterface[] {
    const prev = this.#state;
    const clocks = prev ? { prev: prev.clock, cur: clock } : undefined;
    const interfaces = readings.map(({ info, counters }) => ({ ...info, ...interfaceRates(prev?.counters.get(info.index), counters, clocks) }));
    this.#state = { clock, counters: new Map(readings.map((r) => [r.info.index, r.counters])) };
    return interfaces;
  }
}
