import type { Inventory } from '@vigie/shared';
import { asArray, asRecord, compact, cleanHardwareText as hw, toBool, toPositiveInt, toPositiveNumber } from './clean-values.js';

/**
 * systeminformation results → the Inventory schema. Inputs are typed `unknown` on purpose: the
 * values come from firmware and OS tools, and a mapper must survive any shape without throwing.
 */

const MAX_MODULES = 256;
const MAX_DISKS = 1024;

export function mapSystem(system: unknown, uuid: unknown): Inventory['system'] {
  const s = asRecord(system);
  return compact({
    manufacturer: hw(s.manufacturer),
    model: hw(s.model),
    version: hw(s.version),
    serial: hw(s.serial),
    uuid: hw(s.uuid) ?? hw(asRecord(uuid).hardware),
    sku: hw(s.sku),
    virtual: toBool(s.virtual),
  });
}

export function mapBios(bios: unknown): Inventory['bios'] {
  const b = asRecord(bios);
  return compact({ vendor: hw(b.vendor), version: hw(b.version), releaseDate: hw(b.releaseDate), serial: hw(b.serial) });
}

export function mapBaseboard(baseboard: unknown): Inventory['baseboard'] {
  const b = asRecord(baseboard);
  return compact({ manufacturer: hw(b.manufacturer), model: hw(b.model), version: hw(b.version), serial: hw(b.serial), assetTag: hw(b.assetTag) });
}

export function mapChassis(chassis: unknown): Inventory['chassis'] {
  const c = asRecord(chassis);
  return compact({ manufacturer: hw(c.manufacturer), type: hw(c.type), version: hw(c.version), serial: hw(c.serial), assetTag: hw(c.assetTag) });
}

export function mapCpu(cpu: unknown): Inventory['cpu'] {
  const c = asRecord(cpu);
  // speed is the nominal (brand-string) speed when there is one; speedMax is the fallback.
  const speed = toPositiveNumber(c.speed) ?? toPositiveNumber(c.speedMax);
  return compact({
    manufacturer: hw(c.manufacturer),
    brand: hw(c.brand),
    cores: toPositiveInt(c.cores),
    physicalCores: toPositiveInt(c.physicalCores),
    sockets: toPositiveInt(c.processors),
    speedGHz: speed === undefined ? undefined : Math.round(speed * 100) / 100,
    virtualization: toBool(c.virtualization),
  });
}

export function mapMemory(mem: unknown, layout: unknown): Inventory['memory'] {
  const modules: Inventory['memory']['modules'] = [];
  for (const value of asArray(layout)) {
    const m = asRecord(value);
    const sizeBytes = toPositiveInt(m.size);
    if (sizeBytes === undefined) continue; // an empty slot, not a module
    modules.push(
      compact({
        slot: hw(m.bank),
        sizeBytes,
        type: hw(m.type),
        speedMHz: toPositiveNumber(m.clockSpeed),
        manufacturer: hw(m.manufacturer),
        partNumber: hw(m.partNum),
        serial: hw(m.serialNum),
        formFactor: hw(m.formFactor),
      }),
    );
    if (modules.length === MAX_MODULES) break;
  }
  return compact({ totalBytes: toPositiveInt(asRecord(mem).total), modules });
}

// Block devices that are not disks in the inventory sense.
const NOT_A_DISK = /^(?:loop|ram|zram|nbd|fd|sr)\d*/;

/**
 * diskLayout() when it knows the disks (physical machines); otherwise the whole-disk block devices
 * (virtio disks have no model, and diskLayout() returns [] for them).
 */
export function mapDisks(diskLayout: unknown, blockDevices: unknown): Inventory['disks'] {
  const disks: Inventory['disks'] = [];
  for (const value of asArray(diskLayout)) {
    const d = asRecord(value);
    disks.push(
      compact({
        device: hw(d.device),
        model: hw(d.name),
        vendor: hw(d.vendor),
        serial: hw(d.serialNum),
        firmware: hw(d.firmwareRevision),
        sizeBytes: toPositiveInt(d.size),
        type: hw(d.type),
        interface: hw(d.interfaceType),
        smartStatus: hw(d.smartStatus),
      }),
    );
    if (disks.length === MAX_DISKS) return disks;
  }
  if (disks.length > 0) return disks;
  for (const value of asArray(blockDevices)) {
    const b = asRecord(value);
    const name = hw(b.name);
    const sizeBytes = toPositiveInt(b.size);
    if (b.type !== 'disk' || name === undefined || NOT_A_DISK.test(name) || sizeBytes === undefined) continue;
    disks.push(
      compact({
        device: hw(b.device) ?? `/dev/${name}`,
        model: hw(b.model),
        serial: hw(b.serial),
        sizeBytes,
        type: hw(b.physical),
        interface: hw(b.protocol),
      }),
    );
    if (disks.length === MAX_DISKS) break;
  }
  return disks;
}
