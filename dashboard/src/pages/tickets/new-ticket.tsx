import { type ClientList, CreateTicket, type DeviceList, type TicketDetail } from '@vigie/shared/api';
import { addBusinessDays, isProgrammed, PROGRAMMED_MIN_BUSINESS_DAYS } from '@vigie/shared/calendar';
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Section } from '../../components/ui.js';
import { errorText, formProblems } from '../../error-text.js';
import { fmt, fromParisLocal, type MessageKey, parisLocal, parisToday, t } from '../../i18n/i18n.js';
import { href, navigate } from '../../router.js';
import { isStaff, type User } from '../../session.js';
import { useApi } from '../../use-api.js';
import { Problems } from '../password-reset.js';
import { AttachmentPicker, uploadAll } from './attachments.js';

/**
 * A new request (contract 2.6): from the client's portal, or entered by staff for a phone call or a
 * mail. Programmed or urgent — programmed unless said otherwise, at least 5 business days ahead —,
 * remote or on site, the desired date, the devices concerned, and files (a screenshot, a scan).
 */
export function NewTicketPage({ user }: { user: User }) {
  const staff = isStaff(user);
  const clients = useApi<ClientList>(staff ? '/api/v1/clients' : null);
  const [clientId, setClientId] = useState('');
  const chosenClient = staff ? clientId || String(clients.data?.clients[0]?.id ?? '') : String(user.clientId ?? '');
  const devices = useApi<DeviceList>(chosenClient ? `/api/v1/devices?clientId=${chosenClient}&limit=1000` : null);
  const today = parisToday();
  const earliest = addBusinessDays(today, PROGRAMMED_MIN_BUSINESS_DAYS);
  const [channel, setChannel] = useState<'phone' | 'email' | 'portal'>('phone');
  const [receivedAt, setReceivedAt] = useState(parisLocal(Date.now()));
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [kind, setKind] = useState<'programmed' | 'urgent'>('programmed');
  const [mode, setMode] = useState<'remote' | 'on_site'>('remote');
  const [plannedDate, setPlannedDate] = useState(earliest);
  const [deviceIds, setDeviceIds] = useState<number[]>([]);
  const [files, setFiles] = useState<File[]>([]);
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const received = staff && channel !== 'portal' ? fromParisLocal(receivedAt) : undefined;
    // A client's request is always on the portal channel (the collector enforces it too).
    const body = {
      ...(staff ? { clientId: Number(chosenClient), channel, ...(received !== undefined ? { receivedAt: received } : {}) } : { channel: 'portal' as const }),
      title: title.trim(),
      description,
      kind,
      mode,
      ...(plannedDate ? { plannedDate } : {}),
      ...(deviceIds.length ? { deviceIds } : {}),
    };
    const found = formProblems(CreateTicket, body);
    if (kind === 'programmed' && plannedDate && !isProgrammed(received ?? Date.now(), plannedDate))
      found.push(t('error.reason.programmed_too_soon').replace('{earliest}', fmt.dayLong(earliest)));
    if (kind === 'programmed' && !plannedDate) found.push(t('error.reason.programmed_needs_date').replace('{earliest}', fmt.dayLong(earliest)));
    setProblems(found);
    if (found.length) return;
    setBusy(true);
    try {
      const created = await api<TicketDetail>('/api/v1/tickets', { body });
      // The ticket exists: a file refused now is said on its page, where it can be sent again.
      const failed = await uploadAll(created.id, files);
      navigate(`/tickets/${created.id}${failed.length ? `?upload=${encodeURIComponent(failed.join(' · '))}` : ''}`);
    } catch (err) {
      setProblems([errorText(err)]);
      setBusy(false);
    }
  };

  return (
    <>
      <p>
        <a href={href(staff ? '/tickets' : '/')}>{t('app.back')}</a>
      </p>
      <h1>{t('tickets.new')}</h1>
      <Section title={t('tickets.new')}>
        <form class="stack narrow" onSubmit={submit} data-testid="new-ticket-form" noValidate>
          {staff && (
            <div class="row wrap">
              <label class="grow">
                {t('ticket.create.client')}
                <select value={chosenClient} onChange={(e) => setClientId((e.currentTarget as HTMLSelectElement).value)}>
                  {clients.data?.clients.map((c) => (
                    <option value={String(c.id)}>{c.name}</option>
                  ))}
                </select>
              </label>
              <label>
                {t('ticket.create.channel')}
                <select value={channel} onChange={(e) => setChannel((e.currentTarget as HTMLSelectElement).value as 'phone')}>
                  {(['phone', 'email', 'portal'] as const).map((c) => (
                    <option value={c}>{t(`ticket.channel.${c}` as MessageKey)}</option>
                  ))}
                </select>
              </label>
              {channel !== 'portal' && (
                <label>
                  {t('ticket.create.receivedAt')}
                  <input type="datetime-local" value={receivedAt} onInput={(e) => setReceivedAt((e.currentTarget as HTMLInputElement).value)} />
                </label>
              )}
            </div>
          )}
          <label>
            {t('ticket.create.title')}
            <input type="text" maxLength={300} value={title} data-testid="new-title" onInput={(e) => setTitle((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <label>
            {t('ticket.create.description')}
            <textarea
              rows={5}
              value={description}
              data-testid="new-description"
              onInput={(e) => setDescription((e.currentTarget as HTMLTextAreaElement).value)}
            />
          </label>
          <fieldset class="choice" data-testid="kind">
            <legend>{t('field.kind')}</legend>
            {(['programmed', 'urgent'] as const).map((k) => (
              <label class="check">
                <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
                {t(`ticket.kind.${k}`)}
              </label>
            ))}
            <p class="muted small">
              {kind === 'programmed' ? t('ticket.create.programmedRule', { date: fmt.dayLong(earliest) }) : t('ticket.create.urgentRule')}
            </p>
          </fieldset>
          <fieldset class="choice" data-testid="mode">
            <legend>{t('field.mode')}</legend>
            {(['remote', 'on_site'] as const).map((m) => (
              <label class="check">
                <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => setMode(m)} />
                {t(`ticket.mode.${m}`)}
              </label>
            ))}
          </fieldset>
          <label>
            {kind === 'programmed' ? t('field.plannedDate') : t('ticket.create.desiredOptional')}
            <input
              type="date"
              value={plannedDate}
              min={kind === 'programmed' ? earliest : today}
              data-testid="planned-date"
              onInput={(e) => setPlannedDate((e.currentTarget as HTMLInputElement).value)}
            />
            {plannedDate && <span class="muted small">{fmt.dayLong(plannedDate)}</span>}
          </label>
          <label>
            {t('field.deviceIds')}
            <select
              multiple
              size={Math.min(6, Math.max(2, devices.data?.devices.length ?? 2))}
              data-testid="devices"
              onChange={(e) => setDeviceIds([...(e.currentTarget as HTMLSelectElement).selectedOptions].map((o) => Number(o.value)))}
            >
              {devices.data?.devices.map((d) => (
                <option value={String(d.id)} selected={deviceIds.includes(d.id)}>
                  {d.hostname} · {d.siteName}
                </option>
              ))}
            </select>
            <span class="muted small">{t('ticket.create.devicesHint')}</span>
          </label>
          <AttachmentPicker files={files} onChange={setFiles} />
          <Problems list={problems} />
          <div>
            <button type="submit" disabled={busy}>
              {t('ticket.create.submit')}
            </button>
          </div>
        </form>
      </Section>
    </>
  );
}
