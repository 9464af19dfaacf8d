import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Async, Section } from '../../components/ui.js';
import { fmt, type MessageKey, t } from '../../i18n/i18n.js';
import { useApi } from '../../use-api.js';
import { errorText } from './intervene.js';

interface RemoteSession {
  id: number;
  deviceId: number;
  hostname: string;
  technician: string;
  startedAt: number;
  endedAt: number | null;
  state: 'open' | 'ended' | 'confirmed' | 'discarded';
  minutes: number | null;
  quote: { unit?: string; count?: number; amountCents?: number; error?: string } | null;
}

/**
 * Contract tie (issue 16 point 7): a remote session opened from the ticket; when it ends, a draft
 * remote intervention priced by the billing service's quote, which the technician confirms.
 */
export function RemoteSessionsPanel({ ticketId, deviceIds, onChange }: { ticketId: number; deviceIds: number[]; onChange: () => void }) {
  const sessions = useApi<{ sessions: RemoteSession[] }>(`/api/v1/tickets/${ticketId}/remote-sessions`);
  const [device, setDevice] = useState(deviceIds[0] ? String(deviceIds[0]) : '');
  const [error, setError] = useState<string | null>(null);
  const act =
    (path: string, body: unknown = {}) =>
    async () => {
      try {
        await api(path, { body });
        setError(null);
        sessions.reload();
        onChange();
      } catch (err) {
        setError(errorText(err));
      }
    };
  return (
    <Section title={t('rsession.title')}>
      <p class="muted">{t('rsession.intro')}</p>
      <Async state={sessions}>
        {(r) => (
          <ul class="plain" data-testid="remote-sessions">
            {r.sessions.map((s) => (
              <li data-session={s.id} data-state={s.state}>
                <strong>{s.hostname}</strong> · {s.technician} ·{' '}
                {s.state === 'open' ? t('rsession.state.open', { time: fmt.dateTime(s.startedAt) }) : t(`rsession.state.${s.state}` as MessageKey)}
                {s.state === 'ended' && s.quote && (
                  <p data-testid="draft">
                    {s.quote.error
                      ? t('rsession.noQuote', { minutes: s.minutes ?? 0, reason: s.quote.error })
                      : t('rsession.draft', {
                          minutes: s.minutes ?? 0,
                          count: s.quote.count ?? 0,
                          unit: t(`unit.${s.quote.unit}` as MessageKey),
                          amount: fmt.money(s.quote.amountCents),
                        })}
                  </p>
                )}
                <div class="row">
                  {s.state === 'open' && (
                    <button type="button" class="small" onClick={act(`/api/v1/remote-sessions/${s.id}/end`)}>
                      {t('rsession.end')}
                    </button>
                  )}
                  {s.state === 'ended' && !s.quote?.error && (
                    <button type="button" class="small" onClick={act(`/api/v1/remote-sessions/${s.id}/confirm`)}>
                      {t('rsession.confirm')}
                    </button>
                  )}
                  {(s.state === 'open' || s.state === 'ended') && (
                    <button type="button" class="secondary small" onClick={act(`/api/v1/remote-sessions/${s.id}/discard`)}>
                      {t('rsession.discard')}
                    </button>
                  )}
                </div>
              </li>
            ))}
          </ul>
        )}
      </Async>
      {deviceIds.length > 0 && (
        <div class="row">
          <label>
            {t('rsession.device')}
            <select value={device} onChange={(e) => setDevice((e.currentTarget as HTMLSelectElement).value)}>
              {deviceIds.map((d) => (
                <option value={d}>#{d}</option>
              ))}
            </select>
          </label>
          <button type="button" onClick={act(`/api/v1/tickets/${ticketId}/remote-sessions`, { deviceId: Number(device) })}>
            {t('rsession.start')}
          </button>
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </Section>
  );
}
