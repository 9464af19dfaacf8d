import type { ClientList, DeviceList, DeviceRow } from '@vigie/shared/api';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, qs } from '../../api.js';
import { StateBadge } from '../../components/ui.js';
import { VirtualList } from '../../components/virtual-list.js';
import { fmt, t } from '../../i18n/i18n.js';
import { href, useHashQuery } from '../../router.js';
import { useApi } from '../../use-api.js';

export type { DeviceRow };

const PAGE = 200;
const ROW_HEIGHT = 36;

/**
 * The device list: filtered and searched by the collector, loaded page by page as rows come into
 * view, rendered virtually. Works the same for 10 devices and 10,000.
 */
export function DevicesPage() {
  const hq = useHashQuery();
  const [q, setQ] = useState(hq.get('q') ?? '');
  const [search, setSearch] = useState(q);
  const [clientId, setClientId] = useState(hq.get('clientId') ?? '');
  const [state, setState] = useState(hq.get('state') ?? '');
  const clients = useApi<ClientList>('/api/v1/clients');
  const [total, setTotal] = useState<number | undefined>(undefined);
  const [, setVersion] = useState(0);
  const pages = useRef(new Map<number, DeviceRow[] | 'loading'>());
  const generation = useRef(0);
  const query = qs({ q: search.trim() || undefined, clientId: clientId || undefined, state: state || undefined });

  useEffect(() => {
    const h = setTimeout(() => setSearch(q), 250);
    return () => clearTimeout(h);
  }, [q]);

  const load = useCallback(
    (page: number) => {
      if (pages.current.has(page)) return;
      const gen = generation.current;
      pages.current.set(page, 'loading');
      const sep = query ? '&' : '?';
      api<DeviceList>(`/api/v1/devices${query}${sep}limit=${PAGE}&offset=${page * PAGE}`).then(
        (r) => {
          if (gen !== generation.current) return;
          pages.current.set(page, r.devices);
          setTotal(r.total);
          setVersion((v) => v + 1);
        },
        () => gen === generation.current && pages.current.delete(page),
      );
    },
    [query],
  );

  useEffect(() => {
    generation.current++;
    pages.current = new Map();
    setTotal(undefined);
    load(0);
  }, [query]);

  const onRange = useCallback(
    (first: number, last: number) => {
      for (let p = Math.floor(first / PAGE); p <= Math.floor(Math.max(first, last - 1) / PAGE); p++) load(p);
    },
    [load],
  );

  const row = (i: number) => {
    const page = pages.current.get(Math.floor(i / PAGE));
    const d = Array.isArray(page) ? page[i % PAGE] : undefined;
    if (!d) return <div class="vcells placeholder" />;
    return (
      <div class="vcells" data-device={d.id}>
        <span class="cell-name">
          <a href={href(`/devices/${d.id}`)}>{d.hostname}</a>
        </span>
        <span>{d.clientName}</span>
        <span>{d.siteName}</span>
        <span class="ellipsis">{d.osName ?? ''}</span>
        <span class="mono">{d.serial ?? ''}</span>
        <span>
          <StateBadge state={d.state} />
        </span>
        <span class="muted">{fmt.dateTime(d.lastSeenAt)}</span>
      </div>
    );
  };

  return (
    <div class="page-fill">
      <div class="page-head">
        <h1>{t('devices.title')}</h1>
        <span class="muted" data-testid="device-count">
          {total === undefined ? t('app.loading') : t(total === 1 ? 'devices.countOne' : 'devices.count', { count: fmt.number(total) })}
        </span>
      </div>
      <div class="filters">
        <input
          type="search"
          class="grow"
          placeholder={t('devices.search')}
          aria-label={t('app.search')}
          value={q}
          data-testid="device-search"
          onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)}
        />
        <select aria-label={t('devices.client')} value={clientId} onChange={(e) => setClientId((e.currentTarget as HTMLSelectElement).value)}>
          <option value="">{t('devices.allClients')}</option>
          {clients.data?.clients.map((c) => (
            <option value={String(c.id)}>{c.name}</option>
          ))}
        </select>
        <select aria-label={t('devices.state')} value={state} onChange={(e) => setState((e.currentTarget as HTMLSelectElement).value)}>
          <option value="">{t('devices.allStates')}</option>
          {(['ok', 'warning', 'critical', 'offline'] as const).map((s) => (
            <option value={s}>{t(`state.${s}`)}</option>
          ))}
        </select>
      </div>
      <div class="vtable">
        <div class="vcells vhead">
          <span>{t('devices.hostname')}</span>
          <span>{t('devices.client')}</span>
          <span>{t('devices.site')}</span>
          <span>{t('devices.os')}</span>
          <span>{t('devices.serial')}</span>
          <span>{t('devices.state')}</span>
          <span>{t('devices.lastSeen')}</span>
        </div>
        {total === 0 ? (
          <p class="muted empty">{t('devices.none')}</p>
        ) : (
          <VirtualList count={total ?? 0} rowHeight={ROW_HEIGHT} renderRow={row} onRange={onRange} resetKey={query} testId="device-list" />
        )}
      </div>
    </div>
  );
}
