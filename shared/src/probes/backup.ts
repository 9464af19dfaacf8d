import { type Static, Type } from '@sinclair/typebox';
import { Sha256Hex } from '../remote/envelope.js';
import { ScriptParamValues } from '../remote/scripts.js';
import { type ProbeConfigSpec, ProbeScheduling, ProgramOperand } from './common.js';

const strict = { additionalProperties: false } as const;
const Name = Type.String({ minLength: 1, maxLength: 128 });
const Path = ProgramOperand({ maxLength: 4096 });
/** Per-target age thresholds, in hours, over the probe-wide ones. */
const AgeOverrides = {
  warningAgeHours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 24 * 366 })),
  criticalAgeHours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 24 * 366 })),
};

export const ResticTarget = Type.Object(
  {
    kind: Type.Literal('restic'),
    name: Type.Optional(Name),
    /** What restic's `-r` takes: a path, `sftp:…`, `s3:…`, `rest:…`. */
    repository: ProgramOperand({ maxLength: 2048 }),
    /** A file on the agent holding the repository password (the password never travels in a policy). */
    passwordFile: Path,
    /** Only snapshots of this host (restic `--host`). */
    host: Type.Optional(ProgramOperand({ maxLength: 253 })),
    ...AgeOverrides,
  },
  strict,
);

export const BorgTarget = Type.Object(
  {
    kind: Type.Literal('borg'),
    name: Type.Optional(Name),
    /** A path or `ssh://…` URL. Encrypted repositories need `BORG_PASSCOMMAND` in the agent's environment. */
    repository: ProgramOperand({ maxLength: 2048 }),
    ...AgeOverrides,
  },
  strict,
);

export const FolderTarget = Type.Object(
  {
    kind: Type.Literal('folder'),
    name: Type.Optional(Name),
    /** A folder where a backup tool drops its files (dumps, archives, NAS exports). */
    path: Path,
    /** Only files whose name matches this glob (`*` and `?`), e.g. `*.sql.gz`. */
    pattern: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    /** Files below this size (default 1 byte) do not count as a backup: a failed dump often leaves an empty file. */
    minSizeBytes: Type.Optional(Type.Integer({ minimum: 0 })),
    ...AgeOverrides,
  },
  strict,
);

/**
 * A vendor's status check (exit 0 = the last backup is good), as a script of the provider's library
 * named by its SHA-256: the agent runs it only under a grant the provider signed for the device
 * (an admin approved that exact text), never a program a policy names.
 */
export const CommandTarget = Type.Object(
  {
    kind: Type.Literal('command'),
    name: Name,
    script: Sha256Hex,
    /** The script's typed parameters (environment variables `VIGIE_PARAM_<NAME>` on the agent). */
    params: Type.Optional(ScriptParamValues),
  },
  strict,
);

export const BackupTarget = Type.Union([ResticTarget, BorgTarget, FolderTarget, CommandTarget]);
export type BackupTarget = Static<typeof BackupTarget>;

/**
 * Native backup of the platform (Windows Server Backup and Veeam on Windows, Time Machine on macOS):
 * `auto` reports it when the machine has one and stays silent otherwise, `required` reports its
 * absence as critical, `off` skips it.
 */
const nativeMode = () => Type.Union([Type.Literal('auto'), Type.Literal('required'), Type.Literal('off')], { default: 'auto' });
export const NativeBackupMode = nativeMode();

export const BackupProbeConfig = Type.Object(
  {
    ...ProbeScheduling,
    /** Age of the last successful backup (hours) from which it is warning / critical: a daily backup with slack. */
    warningAgeHours: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 366, default: 26 }),
    criticalAgeHours: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 366, default: 50 }),
    targets: Type.Array(BackupTarget, { maxItems: 32, default: [] }),
    windowsServerBackup: nativeMode(),
    veeam: nativeMode(),
    timeMachine: nativeMode(),
  },
  strict,
);
export type BackupProbeConfig = Static<typeof BackupProbeConfig>;
export type NativeBackupMode = Static<typeof NativeBackupMode>;

export const backupProbeSpec: ProbeConfigSpec<typeof BackupProbeConfig> = {
  id: 'backup',
  schema: BackupProbeConfig,
  defaults: {
    enabled: true,
    intervalSec: 3600,
    timeoutSec: 120,
    warningAgeHours: 26,
    criticalAgeHours: 50,
    targets: [],
    windowsServerBackup: 'auto',
    veeam: 'auto',
    timeMachine: 'auto',
  },
};
