import os from 'node:os';
import type { Inventory } from '@vigie/shared';
import si from 'systeminformation';
import { mapBaseboard, mapBios, mapChassis, mapCpu, mapDisks, mapMemory, mapSystem } from './map-hardware.js';
import { mapFilesystems, mapNetwork, mapOs, mapUsers } from './map-system.js';
import { collectSoftwareSafely, type SoftwareCollector, softwareCollectorFor } from './software.js';

export { inventoryHash } from './inventory-hash.js';
export { MAX_SOFTWARE_ITEMS, type SoftwareCollector } from './software.js';

export interface InventoryOptions {
  /** Collection time in UTC milliseconds (default: now). */
  now?: number;
  /** Replaces the platform's software collector (tests, or a platform without one). */
  collectSoftware?: SoftwareCollector;
}

export interface DetailedInventory {
  inventory: Inventory;
  /** What could not be collected; the inventory is still complete in shape (empty parts). */
  warnings: string[];
}

/** Runs one systeminformation call; a rejection becomes a warning and `undefined`. */
async function attempt<T>(name: string, call: () => Promise<T>, warnings: string[]): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    warnings.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

export async function collectInventoryDetailed(opts: InventoryOptions = {}): Promise<DetailedInventory> {
  const collectedAt = opts.now ?? Date.now();
  const warnings: string[] = [];
  const [system, bios, baseboard, chassis, cpu, mem, memLayout, diskLayout, blockDevices, fsSize, networkInterfaces, osInfo, users, uuid, software] =
    await Promise.all([
      attempt('system', () => si.system(), warnings),
      attempt('bios', () => si.bios(), warnings),
      attempt('baseboard', () => si.baseboard(), warnings),
      attempt('chassis', () => si.chassis(), warnings),
      attempt('cpu', () => si.cpu(), warnings),
      attempt('mem', () => si.mem(), warnings),
      attempt('memLayout', () => si.memLayout(), warnings),
      attempt('diskLayout', () => si.diskLayout(), warnings),
      attempt('blockDevices', () => si.blockDevices(), warnings),
      attempt('fsSize', () => si.fsSize(), warnings),
      attempt('networkInterfaces', () => si.networkInterfaces(), warnings),
      attempt('osInfo', () => si.osInfo(), warnings),
      attempt('users', () => si.users(), warnings),
      attempt('uuid', () => si.uuid(), warnings),
      collectSoftwareSafely(opts.collectSoftware ?? softwareCollectorFor(process.platform), warnings),
    ]);

  let osInterfaces: ReturnType<typeof os.networkInterfaces> = {};
  try {
    osInterfaces = os.networkInterfaces();
  } catch (error) {
    warnings.push(`os.networkInterfaces: ${error instanceof Error ? error.message : String(error)}`);
  }

  const inventory: Inventory = {
    collectedAt: Math.max(0, Math.round(collectedAt)),
    system: mapSystem(system, uuid),
    bios: mapBios(bios),
    baseboard: mapBaseboard(baseboard),
    chassis: mapChassis(chassis),
    cpu: mapCpu(cpu),
    memory: mapMemory(mem, memLayout),
    disks: mapDisks(diskLayout, blockDevices),
    filesystems: mapFilesystems(fsSize),
    network: mapNetwork(networkInterfaces, osInterfaces),
    os: mapOs(osInfo, { platform: process.platform, hostname: os.hostname() }),
    users: mapUsers(users),
    software,
  };
  return { inventory, warnings };
}

/** A full inventory of this machine, valid against InventoryBody. Never rejects for a missing part. */
export async function collectInventory(opts: { now?: number } = {}): Promise<Inventory> {
  return (await collectInventoryDetailed(opts)).inventory;
}
