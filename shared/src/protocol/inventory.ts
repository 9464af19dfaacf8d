import { type Static, Type } from '@sinclair/typebox';
import { MAX_STRING } from './limits.js';

const Str = Type.String({ maxLength: MAX_STRING });
const OptStr = Type.Optional(Str);
const OptNum = Type.Optional(Type.Number());
const OptInt = Type.Optional(Type.Integer({ minimum: 0 }));
const strict = { additionalProperties: false } as const;

export const InventorySystem = Type.Object(
  { manufacturer: OptStr, model: OptStr, version: OptStr, serial: OptStr, uuid: OptStr, sku: OptStr, virtual: Type.Optional(Type.Boolean()) },
  strict,
);
export const InventoryBios = Type.Object({ vendor: OptStr, version: OptStr, releaseDate: OptStr, serial: OptStr }, strict);
export const InventoryBaseboard = Type.Object({ manufacturer: OptStr, model: OptStr, version: OptStr, serial: OptStr, assetTag: OptStr }, strict);
export const InventoryChassis = Type.Object({ manufacturer: OptStr, type: OptStr, version: OptStr, serial: OptStr, assetTag: OptStr }, strict);
export const InventoryCpu = Type.Object(
  {
    manufacturer: OptStr,
    brand: OptStr,
    cores: OptInt,
    physicalCores: OptInt,
    sockets: OptInt,
    speedGHz: OptNum,
    virtualization: Type.Optional(Type.Boolean()),
  },
  strict,
);
export const InventoryMemoryModule = Type.Object(
  { slot: OptStr, sizeBytes: OptInt, type: OptStr, speedMHz: OptNum, manufacturer: OptStr, partNumber: OptStr, serial: OptStr, formFactor: OptStr },
  strict,
);
export const InventoryMemory = Type.Object({ totalBytes: OptInt, modules: Type.Array(InventoryMemoryModule, { maxItems: 256 }) }, strict);
export const InventoryDisk = Type.Object(
  { device: OptStr, model: OptStr, vendor: OptStr, serial: OptStr, firmware: OptStr, sizeBytes: OptInt, type: OptStr, interface: OptStr, smartStatus: OptStr },
  strict,
);
export const InventoryFilesystem = Type.Object({ mount: Str, device: OptStr, type: OptStr, sizeBytes: OptInt, usedBytes: OptInt }, strict);
export const InventoryNetworkInterface = Type.Object(
  {
    iface: Str,
    mac: OptStr,
    ipv4: Type.Array(Str, { maxItems: 256 }),
    ipv6: Type.Array(Str, { maxItems: 256 }),
    speedMbps: OptNum,
    type: OptStr,
    virtual: Type.Optional(Type.Boolean()),
    operstate: OptStr,
    dhcp: Type.Optional(Type.Boolean()),
  },
  strict,
);
export const InventoryOs = Type.Object(
  {
    platform: Str,
    distro: OptStr,
    release: OptStr,
    codename: OptStr,
    kernel: OptStr,
    arch: OptStr,
    hostname: Str,
    fqdn: OptStr,
    build: OptStr,
    serial: OptStr,
  },
  strict,
);
export const InventoryUser = Type.Object({ user: Str, tty: OptStr, ip: OptStr, loginAt: OptStr }, strict);
export const SoftwareSource = Type.Union([
  Type.Literal('dpkg'),
  Type.Literal('rpm'),
  Type.Literal('apk'),
  Type.Literal('pacman'),
  Type.Literal('registry'),
  Type.Literal('system_profiler'),
  Type.Literal('other'),
]);
export const InventorySoftware = Type.Object(
  {
    name: Str,
    version: OptStr,
    publisher: OptStr,
    /** ISO 8601 date or date-time, as the package database gives it. */
    installedAt: OptStr,
    source: SoftwareSource,
    arch: OptStr,
    sizeBytes: OptInt,
  },
  strict,
);

/** A full inventory of one machine, as the agent sends it (never partial). */
export const InventoryBody = Type.Object(
  {
    collectedAt: Type.Integer({ minimum: 0 }),
    system: InventorySystem,
    bios: InventoryBios,
    baseboard: InventoryBaseboard,
    chassis: InventoryChassis,
    cpu: InventoryCpu,
    memory: InventoryMemory,
    disks: Type.Array(InventoryDisk, { maxItems: 1024 }),
    filesystems: Type.Array(InventoryFilesystem, { maxItems: 4096 }),
    network: Type.Array(InventoryNetworkInterface, { maxItems: 4096 }),
    os: InventoryOs,
    users: Type.Array(InventoryUser, { maxItems: 4096 }),
    software: Type.Array(InventorySoftware, { maxItems: 50_000 }),
  },
  strict,
);

export type Inventory = Static<typeof InventoryBody>;
export type InventorySoftwareItem = Static<typeof InventorySoftware>;
export type InventoryDiskItem = Static<typeof InventoryDisk>;
