import { type Static, Type } from '@sinclair/typebox';
import { AllowLinkLocal, HostAddress, type ProbeConfigSpec, ProbeScheduling } from './common.js';

// The SNMP part of the agent's site role: devices without an agent (switches, printers, firewalls,
// UPS) polled by an agent of the same site. The collector validates policies with these schemas.

const strict = { additionalProperties: false } as const;

/** A host name or an IP literal; it also reaches the system `ping`, so it never starts with `-`. */
const Address = HostAddress;
/** RFC 3414 passphrases: net-snmp and snmpd both refuse fewer than 8 characters. */
const Passphrase = Type.String({ minLength: 8, maxLength: 128 });

export const SNMP_AUTH_PROTOCOLS = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export const SNMP_PRIV_PROTOCOLS = ['des', 'aes', 'aes256b', 'aes256r'] as const;
const AuthProtocol = Type.Union(SNMP_AUTH_PROTOCOLS.map((p) => Type.Literal(p)));
const PrivProtocol = Type.Union(SNMP_PRIV_PROTOCOLS.map((p) => Type.Literal(p)));
const User = Type.String({ minLength: 1, maxLength: 32 });

/** USM credentials: each security level carries exactly the secrets it uses. */
export const SnmpV3Credentials = Type.Union([
  Type.Object({ level: Type.Literal('noAuthNoPriv'), user: User }, strict),
  Type.Object({ level: Type.Literal('authNoPriv'), user: User, authProtocol: AuthProtocol, authKey: Passphrase }, strict),
  Type.Object(
    { level: Type.Literal('authPriv'), user: User, authProtocol: AuthProtocol, authKey: Passphrase, privProtocol: PrivProtocol, privKey: Passphrase },
    strict,
  ),
]);

const common = {
  address: Address,
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535, default: 161 })),
  /** Per request; a walk is many requests. */
  timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000, default: 2_000 })),
  retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 5, default: 1 })),
  /** Also ping the device (ICMP), reported apart from the SNMP answer. */
  ping: Type.Optional(Type.Boolean({ default: true })),
};

export const SnmpV1V2cTarget = Type.Object(
  {
    ...common,
    version: Type.Union([Type.Literal('1'), Type.Literal('2c')]),
    community: Type.Optional(Type.String({ minLength: 1, maxLength: 64, default: 'public' })),
  },
  strict,
);
export const SnmpV3Target = Type.Object({ ...common, version: Type.Literal('3'), v3: SnmpV3Credentials }, strict);

/** A device polled over SNMP: what a policy carries. Community and keys are secrets (never logged). */
export const SnmpTargetConfig = Type.Union([SnmpV1V2cTarget, SnmpV3Target]);
export type SnmpTargetConfig = Static<typeof SnmpTargetConfig>;
export type SnmpV3Credentials = Static<typeof SnmpV3Credentials>;

const CheckThresholds = Type.Object(
  {
    supplyWarningPct: Type.Integer({ minimum: 0, maximum: 100, default: 20 }),
    supplyCriticalPct: Type.Integer({ minimum: 0, maximum: 100, default: 10 }),
    upsChargeWarningPct: Type.Integer({ minimum: 0, maximum: 100, default: 50 }),
    /** Interfaces (by name) whose link down is critical rather than a warning: uplinks, WAN. */
    criticalInterfaces: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64, default: [] }),
  },
  strict,
);

export const SnmpProbeConfig = Type.Object(
  {
    ...ProbeScheduling,
    intervalSec: Type.Integer({ minimum: 10, maximum: 86_400, default: 60 }),
    timeoutSec: Type.Integer({ minimum: 1, maximum: 600, default: 50 }),
    /** Devices polled by address. */
    targets: Type.Array(SnmpTargetConfig, { maxItems: 256, default: [] }),
    /** Opt-in: sweep the site's own subnet (private ranges, /22 at most) for SNMP v2c devices, and poll what answers. */
    scan: Type.Optional(
      Type.Object(
        {
          cidr: Type.String({ minLength: 9, maxLength: 43, pattern: '^[0-9A-Fa-f:.]+/\\d{1,3}$' }),
          community: Type.String({ minLength: 1, maxLength: 64, default: 'public' }),
          everySec: Type.Integer({ minimum: 600, maximum: 7 * 86_400, default: 86_400 }),
        },
        strict,
      ),
    ),
    thresholds: Type.Optional(CheckThresholds),
    /** Poll targets on link-local or cloud-metadata addresses (refused otherwise). */
    allowLinkLocal: Type.Optional(AllowLinkLocal),
  },
  strict,
);
export type SnmpProbeConfig = Static<typeof SnmpProbeConfig>;

/** Off until a policy gives targets or a scan: a site has one agent doing this, chosen by policy. */
export const snmpProbeSpec: ProbeConfigSpec<typeof SnmpProbeConfig> = {
  id: 'snmp',
  schema: SnmpProbeConfig,
  defaults: { enabled: true, intervalSec: 60, timeoutSec: 50, targets: [] },
};
