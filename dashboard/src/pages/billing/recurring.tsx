import type { ChangeAnswer, Occurrence, ScheduleDetail, ScheduleList, TicketList } from '@vigie/shared/api';
import { addDays } from '@vigie/shared/calendar';
import { useState } from 'preact/hooks';
import { ApiError, api } from '../../api.js';
import { Async, Badge, Empty, Section } from '../../components/ui.js';
import { errorText } from '../../error-text.js';
import { fmt, fromParisLocal, parisToday, t } from '../../i18n/i18n.js';
import { useApi } from '../../use-api.js';

/**
 * Contract 2.6.1: programmed interventions that recur weekly or monthly, and the client's changes to
 * an occurrence — asked in the portal (`staff` false), or received by mail and recorded by staff.
 */
export function RecurringSection({ clientId, staff = true }: { clientId: number; staff?: boolean }) {
  const list = useApi<ScheduleList>(`/api/v1/billing/recurring?clientId=${clientId}`);
  const [creating, setCreating] = useState(false);
  const [open, setOpen] = useState<number | null>(null);
  return (
    <Section
      title={t('recurring.title')}
      actions={
        staff && (
          <button type="button" class="small" onClick={() => setCreating(!creating)}>
            {t('recurring.new')}
          </button>
        )
      }
    >
      {creating && (
        <ScheduleForm
          clientId={clientId}
          onDone={(id) => {
            setCreating(false);
            setOpen(id);
            list.reload();
          }}
        />
      )}
      <Async state={list}>
        {(r) =>
          r.schedules.length === 0 ? (
            <Empty text={t('recurring.none')} />
          ) : (
            <div class="stack" data-testid="schedules">
              <p class="muted small" data-testid="business-day-rule">
                {t('recurring.businessDayRule')}
              </p>
              {r.schedules.map((s) => (
                <div data-schedule={s.id}>
                  <p class="row">
                    <strong>{s.title}</strong>
                    <span class="muted small" data-testid="schedule-summary">
                      {t(`recurring.period.${s.period}`)} · {t(`ticket.mode.${s.mode}`)} ·{' '}
                      {t('recurring.from', { date: fmt.dayLong(s.first_date), time: s.start_time, minutes: s.reserved_minutes })}
                      {s.until_date ? ` · ${t('recurring.until', { date: fmt.day(s.until_date) })}` : ''}
                    </span>
                    <button type="button" class="secondary small" onClick={() => setOpen(open === s.id ? null : s.id)}>
                      {t('recurring.occurrences')}
                    </button>
                  </p>
                  {open === s.id && <Occurrences scheduleId={s.id} staff={staff} />}
                </div>
              ))}
            </div>
          )
        }
      </Async>
    </Section>
  );
}

function ScheduleForm({ clientId, onDone }: { clientId: number; onDone: (id: number) => void }) {
  const tickets = useApi<TicketList>(`/api/v1/tickets?clientId=${clientId}&limit=100`);
  const [f, setF] = useState({
    ticketId: '',
    title: '',
    mode: 'remote',
    period: 'weekly',
    firstDate: addDays(parisToday(), 14),
    untilDate: '',
    startTime: '09:00',
    minutes: '60',
  });
  const [error, setError] = useState<string | null>(null);
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });
  const ticketId = f.ticketId || String(tickets.data?.tickets[0]?.id ?? '');
  return (
    <form
      class="row wrap"
      data-testid="schedule-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        try {
          const r = await api<ScheduleDetail>(`/api/v1/billing/clients/${clientId}/recurring`, {
            body: {
              ticketId: Number(ticketId),
              title: f.title,
              mode: f.mode,
              period: f.period,
              firstDate: f.firstDate,
              ...(f.untilDate ? { untilDate: f.untilDate } : {}),
              startTime: f.startTime,
              reservedMinutes: Number(f.minutes),
            },
          });
          onDone(r.schedule.id);
        } catch (err) {
          setError(errorText(err));
        }
      }}
    >
      <label class="grow">
        {t('recurring.ticket')}
        <select aria-label={t('recurring.ticket')} value={ticketId} onChange={set('ticketId')}>
          {tickets.data?.tickets.map((tk) => (
            <option value={String(tk.id)}>
              #{tk.id} {tk.title}
            </option>
          ))}
        </select>
      </label>
      <label class="grow">
        {t('recurring.label')}
        <input type="text" required maxLength={200} value={f.title} onInput={set('title')} />
      </label>
      <label>
        {t('recurring.periodLabel')}
        <select aria-label={t('recurring.periodLabel')} value={f.period} onChange={set('period')}>
          <option value="weekly">{t('recurring.period.weekly')}</option>
          <option value="monthly">{t('recurring.period.monthly')}</option>
        </select>
      </label>
      <label>
        {t('recurring.mode')}
        <select aria-label={t('recurring.mode')} value={f.mode} onChange={set('mode')}>
          <option value="remote">{t('ticket.mode.remote')}</option>
          <option value="on_site">{t('ticket.mode.on_site')}</option>
        </select>
      </label>
      <label>
        {t('recurring.firstDate')}
        <input type="date" required value={f.firstDate} onInput={set('firstDate')} />
      </label>
      <label>
        {t('recurring.untilDate')}
        <input type="date" value={f.untilDate} onInput={set('untilDate')} />
      </label>
      <label>
        {t('recurring.startTime')}
        <input type="time" required value={f.startTime} onInput={set('startTime')} />
      </label>
      <label>
        {t('recurring.minutes')}
        <input type="number" required min={1} max={480} value={f.minutes} onInput={set('minutes')} />
      </label>
      <button type="submit" disabled={!ticketId || !f.title.trim()}>
        {t('recurring.create')}
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** The programme's occurrences; a change the client asked for is recorded with the time it was received. */
function Occurrences({ scheduleId, staff }: { scheduleId: number; staff: boolean }) {
  const detail = useApi<ScheduleDetail>(`/api/v1/billing/recurring/${scheduleId}`);
  const [changing, setChanging] = useState<number | null>(null);
  const [result, setResult] = useState<{ accepted: boolean; text: string } | null>(null);
  return (
    <Async state={detail}>
      {(d) => (
        <div class="stack">
          {result && (
            <p class={result.accepted ? 'success' : 'error'} data-testid="change-result">
              {result.text}
            </p>
          )}
          {d.changes.length > 0 && (
            <ul class="plain small" data-testid="changes">
              {d.changes.map((c) => (
                <li>
                  <Badge kind={c.accepted ? 'state-ok' : 'state-critical'}>{c.accepted ? t('recurring.accepted') : t('recurring.refused')}</Badge>{' '}
                  {t('recurring.receivedAt', { date: fmt.dateTime(c.received_at) })} · {c.reason}
                </li>
              ))}
            </ul>
          )}
          <table class="table compact cards" data-testid="occurrences">
            <thead>
              <tr>
                <th>{t('recurring.date')}</th>
                <th>{t('recurring.startTime')}</th>
                <th class="num">{t('recurring.minutes')}</th>
                <th>{t('recurring.status')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {d.occurrences.map((o) => (
                <>
                  <tr data-occurrence={o.id}>
                    <td class="card-title" data-testid="occurrence-date" data-date={o.date}>
                      {fmt.dayLong(o.date)}
                      {o.moved_from && (
                        <div class="muted small" data-testid="moved-from">
                          {t('recurring.movedFrom', { date: fmt.dayLong(o.moved_from) })}
                        </div>
                      )}
                    </td>
                    <td data-label={t('recurring.startTime')}>{o.start_time}</td>
                    <td class="num" data-label={t('recurring.minutes')}>
                      {o.reserved_minutes}
                    </td>
                    <td data-testid="occurrence-status" data-label={t('recurring.status')}>
                      {t(`recurring.status.${o.status}`)}
                      {o.changed_by ? ` · ${t(`recurring.changedBy.${o.changed_by}`)}` : ''}
                    </td>
                    <td data-label="">
                      {o.status === 'scheduled' && (
                        <button type="button" class="secondary small" onClick={() => setChanging(changing === o.id ? null : o.id)}>
                          {t('recurring.requestChange')}
                        </button>
                      )}
                    </td>
                  </tr>
                  {changing === o.id && (
                    <tr>
                      <td colSpan={5}>
                        <ChangeForm
                          scheduleId={scheduleId}
                          occurrence={o}
                          staff={staff}
                          onResult={(r) => {
                            setResult(r);
                            if (r.accepted) setChanging(null);
                            detail.reload();
                          }}
                        />
                      </td>
                    </tr>
                  )}
                </>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Async>
  );
}

function ChangeForm({
  scheduleId,
  occurrence,
  staff,
  onResult,
}: {
  scheduleId: number;
  occurrence: Occurrence;
  staff: boolean;
  onResult: (r: { accepted: boolean; text: string }) => void;
}) {
  const [f, setF] = useState({ date: occurrence.date, startTime: occurrence.start_time, minutes: String(occurrence.reserved_minutes), receivedAt: '' });
  const [cancel, setCancel] = useState(false);
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });
  return (
    <form
      class="row wrap"
      data-testid="change-form"
      onSubmit={async (e) => {
        e.preventDefault();
        const receivedAt = f.receivedAt ? fromParisLocal(f.receivedAt) : undefined;
        const body = cancel
          ? { cancel: true }
          : {
              ...(f.date !== occurrence.date ? { date: f.date } : {}),
              ...(f.startTime !== occurrence.start_time ? { startTime: f.startTime } : {}),
              ...(Number(f.minutes) !== occurrence.reserved_minutes ? { minutes: Number(f.minutes) } : {}),
            };
        try {
          const r = await api<ChangeAnswer>(`/api/v1/billing/recurring/${scheduleId}/occurrences/${occurrence.id}/change`, {
            body: { ...body, ...(receivedAt !== undefined ? { receivedAt } : {}) },
          });
          onResult({ accepted: r.accepted, text: t('error.withField', { field: t('recurring.accepted'), sentence: r.reason }) });
        } catch (err) {
          // 409: the collector kept the request and refused it, with the contract's reason.
          onResult({
            accepted: false,
            text:
              err instanceof ApiError && err.status === 409 && !err.details?.reason
                ? t('error.withField', { field: t('recurring.refused'), sentence: err.message })
                : errorText(err),
          });
        }
      }}
    >
      <label>
        {t('recurring.newDate')}
        <input type="date" required disabled={cancel} value={f.date} onInput={set('date')} />
      </label>
      <label>
        {t('recurring.startTime')}
        <input type="time" required disabled={cancel} value={f.startTime} onInput={set('startTime')} />
      </label>
      <label>
        {t('recurring.minutes')}
        <input type="number" required disabled={cancel} min={1} max={480} value={f.minutes} onInput={set('minutes')} />
      </label>
      <label class="check">
        <input type="checkbox" checked={cancel} onChange={(e) => setCancel((e.currentTarget as HTMLInputElement).checked)} />
        {t('recurring.cancel')}
      </label>
      {staff && (
        <label>
          {t('recurring.receivedAtLabel')}
          <input type="datetime-local" value={f.receivedAt} onInput={set('receivedAt')} />
        </label>
      )}
      <button type="submit">{t('recurring.submitChange')}</button>
    </form>
  );
}
