import type { AttentionItem, Overview } from '@vigie/shared/api';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Async, Empty, Section, StateBadge } from '../../components/ui.js';
import { errorText } from '../../error-text.js';
import { currentLang, fmt, t } from '../../i18n/i18n.js';
import { checkName, targetName } from '../../labels.js';
import { useLive } from '../../live.js';
import { href } from '../../router.js';
import { useApi } from '../../use-api.js';

const STATES = ['ok', 'warning', 'critical', 'offline'] as const;

/** Re-fetches at most every `ms` when something changes live (and every 30 s, should a push be missed). */
export function useLiveReload(reload: () => void, accept: (type: string) => boolean, ms = 300): void {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useLive((m) => {
    // At most one reload per `ms`, however many events arrive (thousands of agents reconnecting).
    if (!accept(m.type) || timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      reload();
    }, ms);
  });
  useEffect(() => {
    const every = setInterval(reload, 30_000);
    return () => {
      clearInterval(every);
      clearTimeout(timer.current);
    };
  }, [reload]);
}

export function OverviewPage() {
  const state = useApi<Overview>('/api/v1/overview');
  // Devices' health and connections are pushed too: the states update as they change.
  useLiveReload(state.reload, (type) => type === 'ticket' || type === 'incident' || type === 'device', 1000);
  return (
    <>
      <h1>{t('overview.title')}</h1>
      <Async state={state}>
        {(o) => {
          const sum = (f: (c: Overview['clients'][number]) => number) => o.clients.reduce((s, c) => s + f(c), 0);
          return (
            <>
              <div class="tiles">
                {STATES.map((s) => (
                  <a class={`tile state-${s}`} href={href(`/devices?state=${s}`)} data-testid={`tile-${s}`}>
                    <span class="tile-n">{sum((c) => c.devices[s])}</span>
                    <span class="tile-l">{t(`state.${s}`)}</span>
                  </a>
                ))}
                <a class="tile" href={href('/incidents')}>
                  <span class="tile-n">{sum((c) => c.openIncidents)}</span>
                  <span class="tile-l">{t('overview.incidents')}</span>
                </a>
                <a class="tile" href={href('/tickets')} data-testid="tile-tickets">
                  <span class="tile-n">{sum((c) => c.openTickets)}</span>
                  <span class="tile-l">{t('overview.tickets')}</span>
                </a>
              </div>
              <Section title={t('attention.title')}>
                <AttentionList items={o.attention} now={o.generatedAt} onChange={state.reload} />
              </Section>
              <div class="grid-2">
                <Section title={t('overview.client')}>
                  {o.clients.length === 0 ? (
                    <Empty text={t('overview.noClients')} />
                  ) : (
                    <table class="table" data-testid="overview-clients">
                      <thead>
                        <tr>
                          <th>{t('overview.client')}</th>
                          <th>{t('overview.devices')}</th>
                          <th class="num">{t('overview.incidents')}</th>
                          <th class="num">{t('overview.tickets')}</th>
                        </tr>
                      </thead>
                      <tbody>
                        {o.clients.map((c) => (
                          <tr data-client={c.id}>
                            <td>
                              <a href={href(`/clients/${c.id}`)}>{c.name}</a>
                            </td>
                            <td>
                              <StateBar devices={c.devices} />
                            </td>
                            <td class={`num ${c.criticalIncidents > 0 ? 'text-critical' : ''}`}>{c.openIncidents}</td>
                            <td class="num" data-testid="client-open-tickets">
                              {c.openTickets}
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  )}
                </Section>
                <Section title={t('overview.sla')}>
                  {o.slaAtRisk.length === 0 ? (
                    <Empty text={t('overview.slaNone')} />
                  ) : (
                    <ul class="sla-list" data-testid="sla-list">
                      {o.slaAtRisk.map((s) => {
                        const left = s.deadlineAt - o.generatedAt;
                        return (
                          <li class={left < 0 ? 'breached' : left < 4 * 3600_000 ? 'soon' : ''}>
                            <a href={href(`/tickets/${s.ticketId}`)}>
                              #{s.ticketId} {s.title}
                            </a>
                            <span class="muted">{s.clientName}</span>
                            <span class="sla-when">
                              {fmt.dateTime(s.deadlineAt)} · {left < 0 ? t('overview.breached') : t('overview.dueIn', { duration: fmt.duration(left) })}
                            </span>
                          </li>
                        );
                      })}
                    </ul>
                  )}
                </Section>
              </div>
            </>
          );
        }}
      </Async>
    </>
  );
}

function StateBar({ devices }: { devices: Overview['clients'][number]['devices'] }) {
  return (
    <span class="statebar" title={STATES.map((s) => `${t(`state.${s}`)} : ${devices[s]}`).join(' · ')}>
      {STATES.filter((s) => devices[s] > 0).map((s) => (
        <span class={`chip state-${s}`}>
          {devices[s]} {t(`state.${s}`)}
        </span>
      ))}
      {devices.total === 0 && <span class="muted">0</span>}
    </span>
  );
}

/**
 * What needs someone first, across every client (issue 18): open incidents and failing checks,
 * critical first then the oldest, each with its device, its client and where to act.
 */
function AttentionList({ items, now, onChange }: { items: AttentionItem[]; now: number; onChange: () => void }) {
  const [error, setError] = useState<string | null>(null);
  if (items.length === 0) return <Empty text={t('attention.none')} />;
  const acknowledge = async (id: number) => {
    setError(null);
    try {
      await api(`/api/v1/incidents/${id}/acknowledge`, { body: {} });
      onChange();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <>
      {error && <p class="error">{error}</p>}
      <table class="table compact cards" data-testid="attention">
        <thead>
          <tr>
            <th>{t('incidents.severity')}</th>
            <th>{t('attention.what')}</th>
            <th>{t('devices.hostname')}</th>
            <th>{t('devices.client')}</th>
            <th>{t('attention.since')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr data-kind={i.kind} data-severity={i.severity}>
              <td data-label={t('incidents.severity')}>
                <StateBadge state={i.severity} />
              </td>
              <td class="wrap" data-label={t('attention.what')}>
                {i.check ? (
                  <strong>
                    {checkName(i.check)}
                    {i.target ? ` · ${targetName(i.check, i.target)}` : ''}
                  </strong>
                ) : (
                  <strong>{t('attention.incident')}</strong>
                )}
                <div class="small">{i.text[currentLang()]}</div>
              </td>
              <td data-label={t('devices.hostname')}>{i.deviceId ? <a href={href(`/devices/${i.deviceId}`)}>{i.deviceName}</a> : '—'}</td>
              <td data-label={t('devices.client')}>
                <a href={href(`/clients/${i.clientId}`)}>{i.clientName}</a>
              </td>
              <td class="muted" data-label={t('attention.since')} title={fmt.dateTime(i.since)}>
                {fmt.duration(now - i.since)}
              </td>
              <td class="actions" data-label="">
                {i.ticketId && <a href={href(`/tickets/${i.ticketId}`)}>{t('attention.ticket', { id: i.ticketId })}</a>}{' '}
                {i.incidentId && !i.acknowledged && (
                  <button type="button" class="secondary small" onClick={() => acknowledge(i.incidentId!)}>
                    {t('incidents.acknowledge')}
                  </button>
                )}
                {i.acknowledged && <span class="muted small">{t('incidents.acknowledged')}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
