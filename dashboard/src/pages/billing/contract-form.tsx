import { ContractBody, type ContractView, PAYMENT_METHODS, type PaymentMethod, type SyntecIndices } from '@vigie/shared/api';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api.js';
import { errorText, formProblems } from '../../error-text.js';
import { fmt, parisToday, parseScaled, t } from '../../i18n/i18n.js';
import { useApi } from '../../use-api.js';
import { Problems } from '../password-reset.js';
import { GridEditor, gridInputs, parseGrid } from './grid-editor.js';
import { IdentityFields, identityBody, identityInputs } from './identity-fields.js';

export type ContractTerms = ContractView;

const percent = (bp: number) => `${Math.trunc(bp / 100)}${bp % 100 ? `,${String(bp % 100).padStart(2, '0')}` : ''}`;
const decimal = (v: number) => String(v).replace('.', ',');

/**
 * PUT …/clients/:id/contract: a new contract with its initial grid and its Syntec index of reference
 * (S0, contract 5.2: the one published before signature, offered from the indices entered), or, for an
 * existing one, its buyer (every field), VAT rate, payment term and method, and recipients (the grid
 * then changes by revision or amendment only).
 */
export function ContractForm({ clientId, existing, onDone }: { clientId: number; existing?: ContractTerms; onDone: () => void }) {
  const [startDate, setStartDate] = useState(existing?.startDate ?? parisToday());
  const [buyer, setBuyer] = useState(identityInputs(existing?.buyer));
  const [vat, setVat] = useState(percent(existing?.vatRateBp ?? 2000));
  const [days, setDays] = useState(String(existing?.paymentDays ?? 30));
  const [method, setMethod] = useState<PaymentMethod>(existing?.paymentMethod ?? 'direct_debit');
  const [recipients, setRecipients] = useState((existing?.recipients ?? []).join('\n'));
  const [grid, setGrid] = useState(gridInputs());
  const indices = useApi<SyntecIndices>(existing ? null : '/api/v1/billing/syntec');
  const [s0, setS0] = useState('');
  const [s0Date, setS0Date] = useState('');
  // The index known on the signature date, as soon as the indices are there (or the date changes).
  useEffect(() => {
    const known = (indices.data?.indices ?? []).filter((i) => i.publishedOn <= startDate).at(-1);
    setS0(known ? decimal(known.value) : '');
    setS0Date(known?.publishedOn ?? '');
  }, [indices.data, startDate]);
  const [problems, setProblems] = useState<string[]>([]);
  const vatRateBp = parseScaled(vat.replace('%', ''), 2);
  const s0Hundredths = parseScaled(s0, 2);
  const parsed = parseGrid(grid);
  return (
    <form
      class="stack"
      data-testid="contract-form"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        const body = {
          startDate,
          buyer: identityBody(buyer),
          ...(vatRateBp !== undefined ? { vatRateBp } : {}),
          ...(/^\d+$/.test(days.trim()) ? { paymentDays: Number(days) } : {}),
          paymentMethod: method,
          recipients: recipients
            .split(/[\n,;]/)
            .map((r) => r.trim())
            .filter(Boolean),
          ...(existing ? {} : { grid: parsed.grid }),
          ...(!existing && s0Hundredths !== undefined && s0Hundredths > 0 ? { syntecIndex: s0Hundredths / 100 } : {}),
          ...(!existing && s0Date ? { syntecIndexDate: s0Date } : {}),
        };
        const found = formProblems(ContractBody, body);
        if (vatRateBp === undefined) found.push(t('error.withField', { field: t('field.vatRateBp'), sentence: t('error.rule.invalid') }));
        if (!/^\d+$/.test(days.trim())) found.push(t('error.withField', { field: t('field.paymentDays'), sentence: t('error.rule.invalid') }));
        if (!existing && parsed.unreadable.length) found.push(t('billing.gridUnreadable', { cells: parsed.unreadable.join(', ') }));
        if (!existing && s0.trim() && (s0Hundredths === undefined || s0Hundredths <= 0))
          found.push(t('error.withField', { field: t('field.syntecIndex'), sentence: t('error.rule.invalid') }));
        setProblems(found);
        if (found.length) return;
        try {
          await api(`/api/v1/billing/clients/${clientId}/contract`, { method: 'PUT', body });
          onDone();
        } catch (err) {
          setProblems([errorText(err)]);
        }
      }}
    >
      <div class="row wrap">
        <label>
          {t('billing.signedOn')}
          <input type="date" disabled={existing !== undefined} value={startDate} onInput={(e) => setStartDate((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          {t('billing.vatRate')}
          <input type="text" inputMode="decimal" value={vat} onInput={(e) => setVat((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          {t('billing.paymentDaysLabel')}
          <input type="text" inputMode="numeric" value={days} onInput={(e) => setDays((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          {t('field.paymentMethod')}
          <select value={method} data-testid="payment-method" onChange={(e) => setMethod((e.currentTarget as HTMLSelectElement).value as PaymentMethod)}>
            {PAYMENT_METHODS.map((m) => (
              <option value={m}>{t(`billing.method.${m}`)}</option>
            ))}
          </select>
        </label>
      </div>
      {!existing && (
        <fieldset class="row wrap" data-testid="syntec-reference">
          <legend>{t('billing.s0Title')}</legend>
          <label>
            {t('field.syntecIndex')}
            <input type="text" inputMode="decimal" value={s0} data-testid="s0" onInput={(e) => setS0((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <label>
            {t('field.syntecIndexDate')}
            <input type="date" value={s0Date} max={startDate} data-testid="s0-date" onInput={(e) => setS0Date((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <p class="muted small grow">
            {s0Date
              ? t('billing.s0Known', { value: s0, date: fmt.day(s0Date), start: fmt.day(startDate) })
              : t('billing.s0Unknown', { start: fmt.day(startDate) })}
          </p>
        </fieldset>
      )}
      <h3>{t('billing.buyer')}</h3>
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
      <Problems list={problems} />
      <div>
        <button type="submit">{existing ? t('app.save') : t('billing.createContract')}</button>
      </div>
    </form>
  );
}
