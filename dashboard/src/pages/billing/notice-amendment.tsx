import type { NoticeView } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useConfirm } from '../../components/confirm.js';
import { Section } from '../../components/ui.js';
import { errorText } from '../../error-text.js';
import { fmt, parisToday, t } from '../../i18n/i18n.js';
import { GridEditor, gridInputs, parseGrid } from './grid-editor.js';
import type { PriceGrid } from './price-grid.js';

/**
 * Contract 6: a notice received from either party ends the contract at the end date the collector
 * computes (three months at least). Once one is recorded, only its outcome stays.
 */
export function NoticeForm({ clientId, received, onDone }: { clientId: number; received: boolean; onDone: () => void }) {
  const [receivedOn, setReceivedOn] = useState(parisToday());
  const [from, setFrom] = useState<'client' | 'provider'>('client');
  const [endDate, setEndDate] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [dialog, confirm] = useConfirm();
  if (received && !message) return null;
  return (
    <Section title={t('billing.noticeTitle')}>
      {dialog}
      {!received && (
        <form
          class="row wrap"
          data-testid="notice-form"
          onSubmit={async (e) => {
            e.preventDefault();
            setMessage(null);
            try {
              // What it will do, from the collector's own computation, before it binds.
              const preview = await api<NoticeView>(
                `/api/v1/billing/clients/${clientId}/contract/notice-preview?${new URLSearchParams({ receivedOn, from, ...(endDate ? { endDate } : {}) })}`,
              );
              const ok = await confirm(
                t('confirm.notice.title'),
                <p>
                  {t('confirm.notice.body', {
                    date: fmt.day(receivedOn),
                    from: t(`billing.party.${from}`),
                    end: fmt.day(preview.endDate),
                  })}
                </p>,
                t('billing.recordNotice'),
              );
              if (!ok) return;
              const r = await api<NoticeView>(`/api/v1/billing/clients/${clientId}/contract/notice`, {
                body: { receivedOn, from, ...(endDate ? { endDate } : {}) },
              });
              setMessage({ ok: true, text: t('billing.noticeRecorded', { end: fmt.day(r.endDate) }) });
              onDone();
            } catch (err) {
              setMessage({ ok: false, text: errorText(err) });
            }
          }}
        >
          <label>
            {t('billing.noticeReceivedOn')}
            <input type="date" required value={receivedOn} onInput={(e) => setReceivedOn((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <label>
            {t('billing.noticeFrom')}
            <select aria-label={t('billing.noticeFrom')} value={from} onChange={(e) => setFrom((e.currentTarget as HTMLSelectElement).value as 'client')}>
              <option value="client">{t('billing.partyName.client')}</option>
              <option value="provider">{t('billing.partyName.provider')}</option>
            </select>
          </label>
          <label>
            {t('billing.noticeEndDate')}
            <input type="date" value={endDate} onInput={(e) => setEndDate((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <button type="submit">{t('billing.recordNotice')}</button>
        </form>
      )}
      {message && (
        <p class={message.ok ? 'success' : 'error'} role={message.ok ? undefined : 'alert'} data-testid="notice-message">
          {message.text}
        </p>
      )}
    </Section>
  );
}

/** Contract 7: an amendment replaces the grid from a date; the prices start from the grid in force. */
export function AmendmentForm({ clientId, current, onDone }: { clientId: number; current: PriceGrid | null; onDone: () => void }) {
  const [validFrom, setValidFrom] = useState(parisToday());
  const [grid, setGrid] = useState(gridInputs(current));
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const parsed = parseGrid(grid);
  const [dialog, confirm] = useConfirm();
  return (
    <Section title={t('billing.amendment')}>
      {dialog}
      <form
        class="stack"
        data-testid="amendment-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setMessage(null);
          if (!(await confirm(t('confirm.amendment.title'), <p>{t('confirm.amendment.body', { date: fmt.day(validFrom) })}</p>, t('billing.applyAmendment'))))
            return;
          try {
            await api(`/api/v1/billing/clients/${clientId}/grids`, { body: { validFrom, grid: parsed.grid } });
            setMessage({ ok: true, text: t('billing.amendmentApplied', { date: fmt.day(validFrom) }) });
            onDone();
          } catch (err) {
            setMessage({ ok: false, text: errorText(err) });
          }
        }}
      >
        <div class="row">
          <label>
            {t('billing.validFrom')}
            <input type="date" required value={validFrom} onInput={(e) => setValidFrom((e.currentTarget as HTMLInputElement).value)} />
          </label>
        </div>
        <GridEditor value={grid} onChange={setGrid} testId="amendment-grid" />
        <div>
          <button type="submit" disabled={parsed.unreadable.length > 0}>
            {t('billing.applyAmendment')}
          </button>
        </div>
      </form>
      {message && (
        <p class={message.ok ? 'success' : 'error'} role={message.ok ? undefined : 'alert'} data-testid="amendment-message">
          {message.text}
        </p>
      )}
    </Section>
  );
}
