import { statfs } from 'node:fs/promises';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { type DiskReserve, roomToResume } from './reserve.js';

export type StoreState = 'ok' | 'full' | 'damaged';
export type StoreTrouble = Exclude<StoreState, 'ok'>;

export interface StoreCondition {
  state: StoreState;
  /** Catalogue code agents are told while the store cannot take data. */
  code?: 'VIGIE_E_STORE_FULL' | 'VIGIE_E_STORE_DAMAGED';
  reason?: string;
  since?: number;
  /** Agent frames refused since the trouble began. */
  framesRefused: number;
  /** Writes by other parts of the collector refused for the same reason, not logged one by one. */
  writesRefused: number;
}

export interface StoreHealthOptions {
  /** Folder holding the database: its file system's free space decides when to try again. */
  dataDir: string;
  /** A write that proves the store takes data again (run while full, once there seems to be room). */
  probeWrite: () => Promise<void>;
  log: Logger;
  /** Given up at start-up on a full disk (so the store opens); taken back before ingest resumes. */
  reserve?: DiskReserve | null;
  probeEveryMs?: number;
  /** Free space needed before trying again (see roomToResume). */
  resumeFreeBytes?: number;
  summaryEveryMs?: number;
}

/** SQLite's result codes for a disk that refuses writes, and for a store that is not what SQLite wrote. */
const FULL_CODES = /^SQLITE_(FULL|IOERR)/;
const DAMAGE_CODES = /^SQLITE_(CORRUPT|NOTADB)/;

/**
 * Whether the store can take agent data now. A full disk (or an I/O error) pauses ingest: agents
 * are told once with VIGIE_E_STORE_FULL and keep their data, the trouble is logged once and then
 * summarised once a minute, and once the file system has room again and a probe write succeeds,
 * ingest resumes by itself. A damaged store (quick_check after an unclean stop, or SQLITE_CORRUPT)
 * refuses data until it is repaired and the collector restarted: acknowledging what cannot be
 * stored would lose it.
 */
export class StoreHealth {
  private cond: StoreCondition = { state: 'ok', framesRefused: 0, writesRefused: 0 };
  private readonly listeners: ((c: StoreCondition) => void)[] = [];
  private probeTimer: NodeJS.Timeout | undefined;
  private summaryTimer: NodeJS.Timeout | undefined;
  private lastSummary = { frames: 0, writes: 0 };
  private probing = false;

  constructor(private readonly o: StoreHealthOptions) {}

  get condition(): StoreCondition {
    return { ...this.cond };
  }

  get acceptsData(): boolean {
    return this.cond.state === 'ok';
  }

  onChange(listener: (c: StoreCondition) => void): void {
    this.listeners.push(listener);
  }

  /** What kind of failure a write error is. */
  classify(err: unknown): StoreTrouble | 'other' {
    const code = String((err as { code?: unknown })?.code ?? '');
    if (DAMAGE_CODES.test(code)) return 'damaged';
    if (FULL_CODES.test(code)) return 'full';
    return 'other';
  }

  /**
   * A write failed: if the store is full or damaged, enter that state (logged once) and return true;
   * other errors are the caller's to report.
   */
  writeFailed(err: unknown, what: string): boolean {
    const kind = this.classify(err);
    if (kind === 'other') return false;
    if (this.cond.state === 'ok' || (kind === 'damaged' && this.cond.state === 'full')) {
      this.enter(kind, `${what}: ${String((err as Error)?.message ?? err)}`);
    } else this.cond.writesRefused++;
    return true;
  }

  /** An agent frame was not taken because of the store's state. */
  frameRefused(): void {
    this.cond.framesRefused++;
  }

  enter(kind: StoreTrouble, reason: string): void {
    const was = this.cond.state;
    this.cond = {
      state: kind,
      code: kind === 'full' ? 'VIGIE_E_STORE_FULL' : 'VIGIE_E_STORE_DAMAGED',
      reason,
      since: this.cond.since ?? Date.now(),
      framesRefused: this.cond.framesRefused,
      writesRefused: this.cond.writesRefused,
    };
    this.o.log.error(
      { code: this.cond.code, reason },
      kind === 'full'
        ? 'store full: agent data is not accepted; agents keep it and are told to wait; ingest resumes by itself once the disk has room'
        : 'store damaged: agent data is not accepted (it would not be stored safely); repair the store, then restart the collector',
    );
    clearInterval(this.summaryTimer);
    this.lastSummary = { frames: this.cond.framesRefused, writes: this.cond.writesRefused };
    this.summaryTimer = setInterval(() => this.summarise(), this.o.summaryEveryMs ?? 60_000);
    this.summaryTimer.unref();
    clearInterval(this.probeTimer);
    if (kind === 'full') {
      this.probeTimer = setInterval(() => void this.probe(), this.o.probeEveryMs ?? 2000);
      this.probeTimer.unref();
    }
    if (was !== kind) for (const l of this.listeners) l(this.condition);
  }

  /** Tries the probe write once now (at start-up): a failure enters the matching state. */
  async probeNow(): Promise<void> {
    try {
      await this.o.probeWrite();
    } catch (err) {
      if (!this.writeFailed(err, 'start-up write')) this.o.log.error({ err }, 'start-up write failed');
    }
  }

  close(): void {
    clearInterval(this.probeTimer);
    clearInterval(this.summaryTimer);
  }

  private summarise(): void {
    const frames = this.cond.framesRefused - this.lastSummary.frames;
    const writes = this.cond.writesRefused - this.lastSummary.writes;
    this.lastSummary = { frames: this.cond.framesRefused, writes: this.cond.writesRefused };
    this.o.log.error(
      { code: this.cond.code, forSec: Math.round((Date.now() - (this.cond.since ?? Date.now())) / 1000), framesRefused: frames, writesRefused: writes },
      `store still ${this.cond.state}: agent data not accepted`,
    );
  }

  private async probe(): Promise<void> {
    if (this.probing || this.cond.state !== 'full') return;
    this.probing = true;
    try {
      const fs = await statfs(this.o.dataDir);
      const free = fs.bavail * fs.bsize;
      const needed = roomToResume(fs, this.o.resumeFreeBytes) + (this.o.reserve?.bytes ?? 0);
      if (free < needed) return;
      if (this.o.reserve && !this.o.reserve.ensure()) return;
      await this.o.probeWrite();
      const was = this.cond;
      this.cond = { state: 'ok', framesRefused: 0, writesRefused: 0 };
      clearInterval(this.probeTimer);
      clearInterval(this.summaryTimer);
      this.o.log.warn(
        {
          freeBytes: free,
          forSec: Math.round((Date.now() - (was.since ?? Date.now())) / 1000),
          framesRefused: was.framesRefused,
          writesRefused: was.writesRefused,
        },
        'store writable again: agents are asked to resend what was refused',
      );
      for (const l of this.listeners) l(this.condition);
    } catch (err) {
      if (this.classify(err) === 'other') this.o.log.error({ err }, 'store probe failed');
    } finally {
      this.probing = false;
    }
  }
}
