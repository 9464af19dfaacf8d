import type { ContractView } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { ApiError, api } from '../../api.js';
import { parisToday, parseScaled, t } from '../../i18n/i18n.js';
import { GridEditor, gridInputs, parseGrid } from './grid-editor.js';
import { IdentityFields, identityBody, identityInputs } from './identity-fields.js';
export type ContractTerms = ContractView;

const percent = (bp: number) => `${Math.trunc(bp / 100)}${bp % 100 ? `,${String(bp % 100).padStart(2, '0')}` : ''}`;

/**
 * PUT …/clients/:id/contract: a new contract with its initial grid, or, for an existing one, its
 * buyer, VAT rate, payment term and recipients (the grid then changes by revision or amendment only).
 */
export function ContractForm({ clientId, existing, onDone }: { clientId: number; existing?: ContractTerms; onDone: () => void }) {
  const [startDate, setStartDate] = useState(existing?.startDate ?? parisToday());
  const [buyer, setBuyer] = useState(identityInputs(existing?.buyer));
  const [vat, setVat] = useState(percent(existing?.vatRateBp ?? 2000));
  const [days, setDays] = useState(String(existing?.paymentDays ?? 30));
  const [recipients, setRecipients] = useState((existing?.recipients ?? []).join('\n'));
  const [grid, setGrid] = useState(gridInputs());
  const [error, setError] = useState<string | null>(null);
  const vatRateBp = parseScaled(vat.replace('%', ''), 2);
  const parsed = parseGrid(grid);
  const valid = vatRateBp !== undefined && /^\d+$/.test(days.trim()) && (existing !== undefined || parsed.unreadable.length === 0);
  return (
    <form
      class="stack"
      data-testid="contract-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        try {
          await api(`/api/v1/billing/clients/${clientId}/contract`, {
            method: 'PUT',
            body: {
              startDate,
              buyer: identityBody(buyer),
              vatRateBp,
              paymentDays: Number(days),
              recipients: recipients
                .split(/[\n,;]/)
                .map((r) => r.trim())
                .filter(Boolean),
              ...(existing ? {} : { grid: parsed.grid }),
            },
          });
          onDone();
        } catch (err) {
          setError(err instanceof ApiError ? err.message : String(err));
        }
      }}
    >
      <div class="row wrap">
        <label>
          {t('billing.signedOn')}
          <input
            type="date"
            required
            disabled={existing !== undefined}
            value={startDate}
            onInput={(e) => setStartDate((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
        <label>
          {t('billing.vatRate')}
          <input type="text" inputMode="decimal" required value={vat} onInput={(e) => setVat((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          {t('billing.paymentDaysLabel')}
          <input type="text" inputMode="numeric" required value={days} onInput={(e) => setDays((e.currentTarget as HTMLInputElement).value)} />
        </label>
      </div>
      <IdentityFields value={buyer} onChange={setBuyer} />
      <label>
        {t('billing.recipientsLabel')}
        <textarea rows={2} value={recipients} onInput={(e) => setRecipients((e.currentTarget as HTMLTextAreaElement).value)} />
      </label>
      {!existing && (
        <>
          <p class="muted small">{t('billing.gridHint')}</p>
          <GridEditor value={grid} onChange={setGrid} testId="grid-editor" />
        </>
      )}
      <div>
        <button type="submit" disabled={!valid}>
          {existing ? t('app.save') : t('billing.createContract')}
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
