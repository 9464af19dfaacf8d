import { t, tOr } from '../../i18n/i18n.js';
import { type ProbeSpec, withKey } from './schema.js';
import { SchemaField } from './schema-field.js';

/** The settings a technician usually sets, shown first; the others are under "advanced". */
const COMMON: Record<string, string[]> = {
  network: ['enabled', 'intervalSec', 'pingGateway', 'pingHosts', 'internetHost', 'http', 'tcp', 'dns', 'certWarningDays', 'certCriticalDays'],
  backup: ['enabled', 'intervalSec', 'warningAgeHours', 'criticalAgeHours', 'targets', 'windowsServerBackup', 'veeam', 'timeMachine'],
  services: ['enabled', 'intervalSec', 'required', 'topN'],
  antivirus: ['enabled', 'intervalSec', 'signatureWarningHours', 'signatureCriticalHours', 'requireRealTime', 'notInstalledStatus', 'scanMaxAgeDays'],
  security: [
    'enabled',
    'intervalSec',
    'aspects',
    'requireDiskEncryption',
    'requireFirewall',
    'maxPendingSecurityUpdates',
    'expectedAdmins',
    'minPasswordLength',
  ],
  snmp: ['enabled', 'intervalSec', 'targets', 'thresholds', 'scan'],
  flows: ['enabled', 'port', 'bind', 'exporters', 'siteSubnets'],
};

type Obj = Record<string, unknown>;

/**
 * One probe's settings at this scope, drawn from its schema: what is set here overrides, key by
 * key, what the wider scope or the defaults give (shown as placeholders).
 */
export function ProbeSettings({
  spec,
  value,
  inherited,
  onChange,
}: {
  spec: ProbeSpec;
  value: Obj | undefined;
  inherited: Obj;
  onChange: (v: Obj | undefined) => void;
}) {
  const props = spec.schema.properties ?? {};
  const keys = Object.keys(props);
  const common = COMMON[spec.id] ? keys.filter((k) => COMMON[spec.id]!.includes(k)) : keys;
  const advanced = keys.filter((k) => !common.includes(k));
  const field = (key: string) => (
    <SchemaField
      probe={spec.id}
      name={key}
      schema={props[key]!}
      value={value?.[key]}
      inherited={inherited[key]}
      onChange={(v) => {
        const next = withKey(value, key, v);
        onChange(Object.keys(next).length ? next : undefined);
      }}
    />
  );
  return (
    <details class="card probe" open={value !== undefined} data-probe={spec.id}>
      <summary class="card-head">
        <h2>
          {tOr(`probe.${spec.id}`, spec.id)} <span class="muted small mono">{spec.id}</span>
        </h2>
        {value !== undefined ? (
          <span class="badge state-ok">{t('policy.setHere', { count: Object.keys(value).length })}</span>
        ) : (
          <span class="muted small">{t('policy.inherited')}</span>
        )}
      </summary>
      {spec.siteRole && <p class="muted small">{t('policy.siteRoleNote')}</p>}
      <div class="fields">{common.map(field)}</div>
      {advanced.length > 0 && (
        <details class="advanced">
          <summary>{t('policy.advanced')}</summary>
          <div class="fields">{advanced.map(field)}</div>
        </details>
      )}
      {value !== undefined && (
        <p>
          <button type="button" class="secondary small" onClick={() => onChange(undefined)}>
            {t('policy.clearProbe')}
          </button>
        </p>
      )}
    </details>
  );
}
