import type { InterventionList, Quote } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Async, Section } from '../../components/ui.js';
import { errorText } from '../../error-text.js';
import { fmt, fromParisLocal, type MessageKey, parisLocal, parisToday, t } from '../../i18n/i18n.js';
import { useApi } from '../../use-api.js';
import type { TicketDetail } from './ticket-page.js';

/**
 * Recording intervention time: the billing quote (contract 2.6, least cost for the client) is
 * shown first, and recorded only once the technician has seen what the client will be billed.
 */
export function InterventionForm({ tk, onDone }: { tk: TicketDetail; onDone: () => void }) {
  const [minutes, setMinutes] = useState('30');
  const [date, setDate] = useState(parisToday());
  // When it began: a recorded start before the SLA deadline takes the ticket in charge in time (contract 2.6.2).
  const [start, setStart] = useState(parisLocal(Date.now()).slice(11, 16));
  const [kind, setKind] = useState(tk.kind);
  const [mode, setMode] = useState(tk.mode);
  const [notes, setNotes] = useState('');
  const [quote, setQuote] = useState<Quote | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const list = useApi<InterventionList>(`/api/v1/tickets/${tk.id}/interventions`);
  const body = () => ({ clientId: tk.clientId, kind, mode, minutes: Number(minutes), date });
  const change = (fn: () => void) => {
    fn();
    setQuote(null);
    setDone(false);
  };
  const fail = (err: unknown) => setError(errorText(err));

  return (
    <Section title={t('time.title')}>
      <form
        class="stack"
        data-testid="intervention-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            if (!quote) {
              setQuote(await api<Quote>('/api/v1/billing/quote', { body: body() }));
              return;
            }
            const startedAt = fromParisLocal(`${date}T${start}`);
            await api(`/api/v1/tickets/${tk.id}/interventions`, {
              body: {
                date,
                ...(startedAt !== undefined ? { startedAt, endedAt: startedAt + Number(minutes) * 60_000 } : { minutes: Number(minutes) }),
                kind,
                mode,
                ...(notes.trim() ? { notes } : {}),
              },
            });
            setQuote(null);
            setDone(true);
            list.reload();
            onDone();
          } catch (err) {
            fail(err);
          }
        }}
      >
        <div class="row">
          <label>
            {t('time.minutes')}
            <input
              type="number"
              min="1"
              max="1440"
              required
              value={minutes}
              data-testid="minutes"
              onInput={(e) => change(() => setMinutes((e.currentTarget as HTMLInputElement).value))}
            />
          </label>
          <label>
            {t('time.date')}
            <input type="date" required value={date} onInput={(e) => change(() => setDate((e.currentTarget as HTMLInputElement).value))} />
          </label>
          <label>
            {t('time.start')}
            <input
              type="time"
              required
              value={start}
              data-testid="start"
              onInput={(e) => change(() => setStart((e.currentTarget as HTMLInputElement).value))}
            />
          </label>
        </div>
        <div class="row">
          <label>
            {t('time.kind')}
            <select value={kind} onChange={(e) => change(() => setKind((e.currentTarget as HTMLSelectElement).value as typeof kind))}>
              {['urgent', 'programmed'].map((k) => (
                <option value={k}>{t(`ticket.kind.${k}` as MessageKey)}</option>
              ))}
            </select>
          </label>
          <label>
            {t('time.mode')}
            <select value={mode} onChange={(e) => change(() => setMode((e.currentTarget as HTMLSelectElement).value as typeof mode))}>
              {['remote', 'on_site'].map((m) => (
                <option value={m}>{t(`ticket.mode.${m}` as MessageKey)}</option>
              ))}
            </select>
          </label>
        </div>
        <label>
          {t('time.notes')}
          <input type="text" value={notes} onInput={(e) => setNotes((e.currentTarget as HTMLInputElement).value)} />
        </label>
        {quote && (
          <div class="quote" data-testid="quote">
            <strong>
              {t('time.quoteResult', {
                count: quote.count,
                unit: t(`unit.${quote.unit}` as MessageKey),
                price: fmt.money(quote.unitPriceCents),
                amount: fmt.money(quote.amountCents),
              })}
            </strong>
            <small class="muted">{quote.rule}</small>
          </div>
        )}
        {error && <p class="error">{error}</p>}
        {done && <p class="success">{t('time.recorded')}</p>}
        <div>
          <button type="submit" data-testid={quote ? 'record' : 'get-quote'}>
            {quote ? t('time.record') : t('time.quote')}
          </button>
        </div>
      </form>
      <Async state={list}>
        {(r) =>
          r.interventions.length > 0 && (
            <>
              <h3>{t('time.interventions')}</h3>
              <ul class="plain">
                {r.interventions.map((i) => (
                  <li>
                    {fmt.day(i.date)} · {i.minutes} min · {i.unit_count} × {t(`unit.${i.unit}` as MessageKey)} · {fmt.money(i.amount_cents)}
                  </li>
                ))}
              </ul>
            </>
          )
        }
      </Async>
    </Section>
  );
}
