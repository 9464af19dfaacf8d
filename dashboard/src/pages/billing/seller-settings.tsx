import type { SellerSettings as SellerSettingsData } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { ApiError, api } from '../../api.js';
import { Async, Section } from '../../components/ui.js';
import { addMonths, parisToday, t } from '../../i18n/i18n.js';
import { useApi } from '../../use-api.js';
import { IdentityFields, identityBody, identityInputs } from './identity-fields.js';

type Settings = SellerSettingsData;

/** GET/PUT /api/v1/billing/settings: the provider's identity and bank details, printed on every invoice. */
export function SellerSettings() {
  const settings = useApi<Settings>('/api/v1/billing/settings');
  return (
    <Section title={t('billing.seller')}>
      <Async state={settings}>{(s) => <SellerForm settings={s} onDone={settings.reload} />}</Async>
      <EInvoicingSettings />
    </Section>
  );
}

/** PUT /api/v1/billing/settings/e-invoicing: the VAT-on-debits option; and the month's payments for e-reporting. */
function EInvoicingSettings() {
  const settings = useApi<{ vatOnDebits: boolean }>('/api/v1/billing/settings/e-invoicing');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [month, setMonth] = useState(addMonths(parisToday().slice(0, 7), -1));
  return (
    <div class="stack" data-testid="e-invoicing">
      <Async state={settings}>
        {(s) => (
          <label class="row">
            <input
              type="checkbox"
              checked={s.vatOnDebits}
              data-testid="vat-on-debits"
              onChange={async (e) => {
                setMessage(null);
                try {
                  await api('/api/v1/billing/settings/e-invoicing', { method: 'PUT', body: { vatOnDebits: (e.currentTarget as HTMLInputElement).checked } });
                  setMessage({ ok: true, text: t('facturx.debitsSaved') });
                } catch (err) {
                  setMessage({ ok: false, text: err instanceof ApiError ? err.message : String(err) });
                }
                settings.reload();
              }}
            />
            {t('facturx.debits')}
          </label>
        )}
      </Async>
      <p class="muted small">{t('facturx.debitsHelp')}</p>
      {message && (
        <p class={message.ok ? 'success' : 'error'} role={message.ok ? undefined : 'alert'}>
          {message.text}
        </p>
      )}
      <div class="row wrap">
        <label>
          {t('facturx.eReporting')}
          <input type="month" value={month} onInput={(e) => setMonth((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <a href={`/api/v1/billing/e-reporting/payments?month=${month}&format=csv`} data-testid="e-reporting-csv">
          {t('facturx.eReportingCsv')}
        </a>
      </div>
    </div>
  );
}

function SellerForm({ settings, onDone }: { settings: Settings; onDone: () => void }) {
  const [seller, setSeller] = useState(identityInputs(settings.seller));
  const [iban, setIban] = useState(settings.bank?.iban ?? '');
  const [bic, setBic] = useState(settings.bank?.bic ?? '');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  return (
    <form
      class="stack"
      data-testid="seller-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setMessage(null);
        try {
          const bank = iban.trim() || bic.trim() ? { iban: iban.replace(/\s/g, '').toUpperCase(), bic: bic.trim().toUpperCase() } : null;
          await api('/api/v1/billing/settings', { method: 'PUT', body: { seller: identityBody(seller), bank } });
          setMessage({ ok: true, text: t('billing.sellerSaved') });
          onDone();
        } catch (err) {
          setMessage({ ok: false, text: err instanceof ApiError ? err.message : String(err) });
        }
      }}
    >
      {!settings.seller && <p class="muted">{t('billing.sellerMissing')}</p>}
      <IdentityFields value={seller} onChange={setSeller} seller />
      <div class="row wrap">
        <label class="grow">
          {t('billing.iban')}
          <input type="text" maxLength={50} value={iban} onInput={(e) => setIban((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          {t('billing.bic')}
          <input type="text" maxLength={11} value={bic} onInput={(e) => setBic((e.currentTarget as HTMLInputElement).value)} />
        </label>
      </div>
      <div>
        <button type="submit">{t('app.save')}</button>
      </div>
      {message && (
        <p class={message.ok ? 'success' : 'error'} role={message.ok ? undefined : 'alert'} data-testid="seller-message">
          {message.text}
        </p>
      )}
    </form>
  );
}
