import { type Static, Type } from '@sinclair/typebox';
import { AllowLinkLocal, HostAddress, type ProbeConfigSpec, ProbeScheduling } from './common.js';

const strict = { additionalProperties: false } as const;
/** A name to resolve (not given to a program, may hold `_` as SRV-style names do). */
const DnsName = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9_]' });

export const NetworkProbeConfig = Type.Object(
  {
    ...ProbeScheduling,
    /** Ping the default gateway, when the machine has one. */
    pingGateway: Type.Boolean({ default: true }),
    /** Hosts to ping. */
    pingHosts: Type.Array(HostAddress, { maxItems: 32, default: [] }),
    /** An Internet target, pinged to tell a LAN problem from an Internet outage. */
    internetHost: Type.Union([HostAddress, Type.Null()], { default: null }),
    pingCount: Type.Integer({ minimum: 1, maximum: 20, default: 4 }),
    /** Loss (%) from which a ping target is warning / critical. */
    lossWarningPct: Type.Number({ minimum: 0, maximum: 100, default: 20 }),
    lossCriticalPct: Type.Number({ minimum: 0, maximum: 100, default: 100 }),
    dns: Type.Array(Type.Object({ name: DnsName, resolver: Type.Optional(HostAddress) }, strict), { maxItems: 16, default: [] }),
    http: Type.Array(
      Type.Object(
        {
          url: Type.String({ minLength: 8, maxLength: 2048, pattern: '^https?://' }),
          expectStatus: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
          expectText: Type.Optional(Type.String({ maxLength: 1024 })),
          /** Accept the server's certificate even if it does not verify (the expiry is still checked). */
          insecure: Type.Optional(Type.Boolean()),
        },
        strict,
      ),
      { maxItems: 32, default: [] },
    ),
    tcp: Type.Array(Type.Object({ host: HostAddress, port: Type.Integer({ minimum: 1, maximum: 65535 }) }, strict), { maxItems: 64, default: [] }),
    /** Days before a TLS certificate's expiry from which it is warning / critical. */
    certWarningDays: Type.Integer({ minimum: 0, maximum: 365, default: 30 }),
    certCriticalDays: Type.Integer({ minimum: 0, maximum: 365, default: 14 }),
    /** Report the physical interfaces: link state and speed, new receive/transmit errors. */
    interfaces: Type.Boolean({ default: true }),
    /** New errors on an interface between two runs from which it is a warning. */
    interfaceErrorsWarning: Type.Integer({ minimum: 0, default: 0 }),
    /** A link slower than this (Mb/s) is a warning; null = any speed. */
    minLinkSpeedMbps: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { default: null }),
    /** Every check (ping, HTTP, TCP, DNS resolver) refuses link-local and cloud-metadata addresses unless this is set. */
    allowLinkLocal: AllowLinkLocal,
  },
  strict,
);
export type NetworkProbeConfig = Static<typeof NetworkProbeConfig>;

export const networkProbeSpec: ProbeConfigSpec<typeof NetworkProbeConfig> = {
  id: 'network',
  schema: NetworkProbeConfig,
  defaults: {
    enabled: true,
    intervalSec: 300,
    timeoutSec: 30,
    pingGateway: true,
    pingHosts: [],
    internetHost: null,
    pingCount: 4,
    lossWarningPct: 20,
    lossCriticalPct: 100,
    dns: [],
    http: [],
    tcp: [],
    certWarningDays: 30,
    certCriticalDays: 14,
    interfaces: true,
    interfaceErrorsWarning: 0,
    minLinkSpeedMbps: null,
    allowLinkLocal: false,
  },
};
