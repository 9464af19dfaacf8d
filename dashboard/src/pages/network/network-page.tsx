import type { ClientList, DeviceList, Site, SiteList } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { PeriodPicker, usePeriod } from '../../components/period.js';
import { Async, Empty, NotFound, Section } from '../../components/ui.js';
import { t } from '../../i18n/i18n.js';
import { href, useHashQuery } from '../../router.js';
import { isStaff, type User } from '../../session.js';
import { useApi } from '../../use-api.js';
import { FlowsView } from './flows-view.js';
import { WatchedDevices } from './watched-devices.js';

/** The sites whose network page one can open: a client's own, or those of the client a technician picks. */
export function NetworkIndexPage({ user }: { user: User }) {
  const clients = useApi<ClientList>('/api/v1/clients');
  const hq = useHashQuery();
  const [picked, setPicked] = useState(hq.get('clientId') ?? '');
  const clientId = isStaff(user) ? picked || String(clients.data?.clients[0]?.id ?? '') : String(user.clientId ?? '');
  const sites = useApi<SiteList>(clientId ? `/api/v1/clients/${clientId}/sites` : null);
  return (
    <>
      <h1>{t('network.title')}</h1>
      <p class="muted">{t('network.intro')}</p>
      {isStaff(user) && (
        <div class="filters">
          <label>
            {t('devices.client')}
            <select value={clientId} onChange={(e) => setPicked((e.currentTarget as HTMLSelectElement).value)} data-testid="network-client">
              {clients.data?.clients.map((c) => (
                <option value={String(c.id)}>{c.name}</option>
              ))}
            </select>
          </label>
        </div>
      )}
      <Section title={t('network.sites')}>
        <Async state={sites}>
          {(r) =>
            r.sites.length === 0 ? (
              <Empty />
            ) : (
              <ul class="plain" data-testid="network-sites">
                {r.sites.map((s) => (
                  <li>
                    <a href={href(`/network/${clientId}/${s.id}`)}>{s.name}</a>
                  </li>
                ))}
              </ul>
            )
          }
        </Async>
      </Section>
    </>
  );
}

/** A site's network: the devices its agent watches over SNMP, their interfaces, toner and UPS, and its flows. */
export function SiteNetworkPage({ clientId, siteId }: { clientId: number; siteId: number }) {
  const clients = useApi<ClientList>('/api/v1/clients');
  const sites = useApi<SiteList>(`/api/v1/clients/${clientId}/sites`);
  return (
    <Async state={sites}>
      {(r) => {
        const site = r.sites.find((s) => s.id === siteId);
        if (!site) return <NotFound />;
        const client = clients.data?.clients.find((c) => c.id === clientId);
        return <SiteNetwork clientId={clientId} site={site} clientName={client?.name ?? ''} />;
      }}
    </Async>
  );
}

function SiteNetwork({ clientId, site, clientName }: { clientId: number; site: Site; clientName: string }) {
  const p = usePeriod('day');
  const devices = useApi<DeviceList>(`/api/v1/devices?clientId=${clientId}&siteId=${site.id}&limit=1000`);
  return (
    <>
      <p>
        <a href={href(`/network?clientId=${clientId}`)}>{t('app.back')}</a>
      </p>
      <div class="page-head">
        <h1 data-testid="network-title">{t('network.siteTitle', { site: site.name })}</h1>
        <span class="muted">{clientName}</span>
      </div>
      <PeriodPicker value={p.period} onChange={p.set} zoomedFrom={p.zoomedFrom} />
      <h2 class="section-title">{t('network.devices')}</h2>
      <Async state={devices}>{(r) => <WatchedDevices devices={r.devices.filter((d) => d.kind === 'agentless')} period={p.period} onZoom={p.zoom} />}</Async>
      <h2 class="section-title">{t('flows.title')}</h2>
      <FlowsView siteId={site.id} clientId={clientId} period={p.period} onZoom={p.zoom} />
    </>
  );
}
