import type { DeviceList, SuppliedItemList } from '@vigie/shared/api';
import { Async, Empty, Section, StateBadge } from '../../components/ui.js';
import { fmt, parisToday, t } from '../../i18n/i18n.js';
import { href } from '../../router.js';
import type { User } from '../../session.js';
import { useApi } from '../../use-api.js';

/** Contract 3: the exhaustive inventory of what was supplied (delivery, warranty, serial) and what is monitored. */
export function InventoryPage({ user: _user }: { user: User }) {
  const supplied = useApi<SuppliedItemList>('/api/v1/billing/supplied-items');
  const devices = useApi<DeviceList>('/api/v1/devices?limit=1000');
  const today = parisToday();
  return (
    <>
      <h1>{t('inventory.title')}</h1>
      <Section title={t('inventory.supplied')}>
        <Async state={supplied}>
          {(r) =>
            r.items.length === 0 ? (
              <Empty text={t('inventory.noSupplied')} />
            ) : (
              <table class="table cards" data-testid="supplied">
                <thead>
                  <tr>
                    <th>{t('supplied.description')}</th>
                    <th>{t('supplied.serial')}</th>
                    <th>{t('supplied.deliveredOn')}</th>
                    <th>{t('supplied.warrantyEnd')}</th>
                    <th>{t('supplied.supplier')}</th>
                  </tr>
                </thead>
                <tbody>
                  {r.items.map((s) => (
                    <tr>
                      <td class="card-title">{s.device_id ? <a href={href(`/devices/${s.device_id}`)}>{s.description}</a> : s.description}</td>
                      <td class="mono" data-label={t('supplied.serial')}>
                        {s.serial ?? ''}
                      </td>
                      <td data-label={t('supplied.deliveredOn')}>{fmt.day(s.delivered_on)}</td>
                      <td class={s.warranty_end < today ? 'text-critical' : ''} data-label={t('supplied.warrantyEnd')}>
                        {fmt.day(s.warranty_end)} {s.warranty_end < today ? `(${t('supplied.expired')})` : ''}
                      </td>
                      <td data-label={t('supplied.supplier')}>{s.supplier ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Async>
      </Section>
      <Section title={t('inventory.devices')}>
        <Async state={devices}>
          {(r) =>
            r.devices.length === 0 ? (
              <Empty />
            ) : (
              <table class="table cards" data-testid="portal-devices">
                <thead>
                  <tr>
                    <th>{t('devices.hostname')}</th>
                    <th>{t('devices.site')}</th>
                    <th>{t('devices.os')}</th>
                    <th>{t('devices.serial')}</th>
                    <th>{t('devices.state')}</th>
                    <th>{t('devices.lastSeen')}</th>
                  </tr>
                </thead>
                <tbody>
                  {r.devices.map((d) => (
                    <tr>
                      <td class="card-title">
                        <a href={href(`/devices/${d.id}`)}>{d.hostname}</a>
                      </td>
                      <td data-label={t('devices.site')}>{d.siteName}</td>
                      <td data-label={t('devices.os')}>{d.osName ?? ''}</td>
                      <td class="mono" data-label={t('devices.serial')}>
                        {d.serial ?? ''}
                      </td>
                      <td data-label={t('devices.state')}>
                        <StateBadge state={d.state} />
                      </td>
                      <td class="muted" data-label={t('devices.lastSeen')}>
                        {fmt.dateTime(d.lastSeenAt)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Async>
      </Section>
    </>
  );
}
