import type { Dispute } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useConfirm } from '../../components/confirm.js';
import { errorText } from '../../error-text.js';
import { fmt, parisToday, parseScaled, t } from '../../i18n/i18n.js';

export type { Dispute };

function Refusal({ text }: { text: string | null }) {
  return text ? (
    <p class="error" role="alert">
      {text}
    </p>
  ) : null;
}

/**
 * An issued invoice is never edited: a credit note corrects it (POST …/credit-notes). Without an
 * amount it credits the whole invoice, and `release` makes its items billable again for a rectifying invoice.
 */
export function CreditNoteForm({
  invoiceId,
  number,
  totalInclCents,
  onDone,
}: {
  invoiceId: number;
  number: string;
  totalInclCents: number;
  onDone: () => void;
}) {
  const [dialog, confirm] = useConfirm();
  const [reason, setReason] = useState('');
  const [amount, setAmount] = useState('');
  const [release, setRelease] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const cents = amount.trim() ? parseScaled(amount, 2) : undefined;
  return (
    <form
      class="row wrap"
      data-testid="credit-note-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        const ok = await confirm(
          t('confirm.credit.title', { number }),
          <>
            <p>
              {cents !== undefined
                ? t('confirm.credit.partial', { amount: fmt.money(cents), number })
                : t('confirm.credit.whole', { amount: fmt.money(totalInclCents), number })}
            </p>
            {release && <p>{t('confirm.credit.release')}</p>}
            <p>{t('confirm.credit.final')}</p>
          </>,
          t('billing.issueCreditNote'),
        );
        if (!ok) return;
        try {
          await api(`/api/v1/billing/invoices/${invoiceId}/credit-notes`, {
            body: { reason, ...(cents !== undefined ? { amountExclCents: cents } : {}), ...(release ? { release } : {}) },
          });
          onDone();
        } catch (err) {
          setError(errorText(err));
        }
      }}
    >
      <label class="grow">
        {t('billing.creditReason')}
        <input type="text" required maxLength={1000} value={reason} onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <label>
        {t('billing.creditAmount')}
        <input
          type="text"
          inputMode="decimal"
          value={amount}
          placeholder={t('billing.creditWhole')}
          onInput={(e) => setAmount((e.currentTarget as HTMLInputElement).value)}
        />
      </label>
      <label class="check">
        <input type="checkbox" checked={release} onChange={(e) => setRelease((e.currentTarget as HTMLInputElement).checked)} />
        {t('billing.creditRelease')}
      </label>
      <button type="submit" disabled={!reason.trim() || (amount.trim() !== '' && cents === undefined)}>
        {t('billing.issueCreditNote')}
      </button>
      <Refusal text={error} />
      {dialog}
    </form>
  );
}

/** Contract 5.1: settling a dispute resumes the payment term; an agreed reduction becomes a partial credit note. */
export function SettleDisputeForm({ dispute, onDone }: { dispute: Dispute; onDone: () => void }) {
  const [settledOn, setSettledOn] = useState(parisToday());
  const [settlement, setSettlement] = useState('');
  const [credit, setCredit] = useState('');
  const [error, setError] = useState<string | null>(null);
  const cents = credit.trim() ? parseScaled(credit, 2) : undefined;
  return (
    <form
      class="row wrap"
      data-testid="settle-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        try {
          await api(`/api/v1/billing/disputes/${dispute.id}/settle`, {
            body: { settledOn, settlement, ...(cents !== undefined ? { creditExclCents: cents } : {}) },
          });
          onDone();
        } catch (err) {
          setError(errorText(err));
        }
      }}
    >
      <p class="muted small grow" data-testid="dispute-reason">
        {t('billing.disputeOpened', { date: fmt.day(dispute.openedOn) })} {dispute.reason}
      </p>
      <label>
        {t('billing.settledOn')}
        <input type="date" required value={settledOn} onInput={(e) => setSettledOn((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <label class="grow">
        {t('billing.settlement')}
        <input type="text" required maxLength={5000} value={settlement} onInput={(e) => setSettlement((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <label>
        {t('billing.settlementCredit')}
        <input type="text" inputMode="decimal" value={credit} onInput={(e) => setCredit((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <button type="submit" disabled={!settlement.trim() || (credit.trim() !== '' && cents === undefined)}>
        {t('billing.settleDispute')}
      </button>
      <Refusal text={error} />
    </form>
  );
}
