import { type EInvoicingSettings as EInvoicingData, LOGO_MAX_BYTES, SellerSettingsBody, type SellerSettings as SellerSettingsData } from '@vigie/shared/api';
import { monthOf, shiftMonth } from '@vigie/shared/calendar';
import { useState } from 'preact/hooks';
import { api, upload } from '../../api.js';
import { Async, Section } from '../../components/ui.js';
import { errorText, formProblems } from '../../error-text.js';
import { parisToday, t } from '../../i18n/i18n.js';
import { useApi } from '../../use-api.js';
import { Problems } from '../password-reset.js';
import { IdentityFields, identityBody, identityInputs } from './identity-fields.js';

type Settings = SellerSettingsData;

/** GET/PUT /api/v1/billing/settings: the provider's identity and bank details, printed on every invoice. */
export function SellerSettings() {
  const settings = useApi<Settings>('/api/v1/billing/settings');
  return (
    <Section title={t('billing.seller')}>
      <Async state={settings}>
        {(s) => (
          <>
            <SellerForm settings={s} onDone={settings.reload} />
            <LogoForm settings={s} onDone={settings.reload} />
          </>
        )}
      </Async>
      <EInvoicingSettings />
    </Section>
  );
}

/** PUT /api/v1/billing/settings/e-invoicing: the VAT-on-debits option; and the month's payments for e-reporting. */
function EInvoicingSettings() {
  const settings = useApi<EInvoicingData>('/api/v1/billing/settings/e-invoicing');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [month, setMonth] = useState(shiftMonth(monthOf(parisToday()), -1));
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
                  setMessage({ ok: false, text: errorText(err) });
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
  const [bankName, setBankName] = useState(settings.bank?.bank ?? '');
  const [problems, setProblems] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  return (
    <form
      class="stack"
      data-testid="seller-form"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved(false);
        const bank =
          iban.trim() || bic.trim()
            ? { iban: iban.replace(/\s/g, '').toUpperCase(), bic: bic.trim().toUpperCase(), ...(bankName.trim() ? { bank: bankName.trim() } : {}) }
            : null;
        const body = { seller: identityBody(seller), bank };
        const found = formProblems(SellerSettingsBody, body);
        setProblems(found);
        if (found.length) return;
        try {
          await api('/api/v1/billing/settings', { method: 'PUT', body });
          setSaved(true);
          onDone();
        } catch (err) {
          setProblems([errorText(err)]);
        }
      }}
    >
      {!settings.seller && <p class="muted">{t('billing.sellerMissing')}</p>}
      <IdentityFields value={seller} onChange={setSeller} />
      <div class="row wrap">
        <label class="grow">
          {t('billing.iban')}
          <input type="text" maxLength={50} value={iban} data-field="iban" onInput={(e) => setIban((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          {t('billing.bic')}
          <input type="text" maxLength={11} value={bic} data-field="bic" onInput={(e) => setBic((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label class="grow">
          {t('field.bank')}
          <input type="text" maxLength={100} value={bankName} data-field="bank" onInput={(e) => setBankName((e.currentTarget as HTMLInputElement).value)} />
        </label>
      </div>
      <div>
        <button type="submit">{t('app.save')}</button>
      </div>
      <Problems list={problems} />
      {saved && (
        <p class="success" data-testid="seller-message">
          {t('billing.sellerSaved')}
        </p>
      )}
    </form>
  );
}

/** The provider's logo on its monthly reports: a PNG or JPEG of 512 KiB at most (the collector reads its type from its bytes). */
function LogoForm({ settings, onDone }: { settings: Settings; onDone: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <div class="stack" data-testid="logo">
      <h3>{t('billing.logo')}</h3>
      {settings.logo ? (
        <img class="logo-preview" src={`/api/v1/billing/settings/logo?v=${settings.logo.updatedAt}`} alt={t('billing.logoAlt')} data-testid="logo-preview" />
      ) : (
        <p class="muted small">{t('billing.noLogo')}</p>
      )}
      <label>
        {t('billing.logoFile')}
        <input
          type="file"
          accept="image/png,image/jpeg"
          disabled={busy || !settings.seller}
          data-testid="logo-input"
          onChange={async (e) => {
            const file = (e.currentTarget as HTMLInputElement).files?.[0];
            if (!file) return;
            setError(null);
            if (file.size > LOGO_MAX_BYTES) return setError(t('error.reason.logo_too_large').replace('{maxKiB}', String(LOGO_MAX_BYTES / 1024)));
            setBusy(true);
            try {
              await upload('/api/v1/billing/settings/logo', file, 'PUT');
              onDone();
            } catch (err) {
              setError(errorText(err));
            } finally {
              setBusy(false);
            }
          }}
        />
        <span class="muted small">{t('billing.logoRule')}</span>
      </label>
      {error && (
        <p class="error" role="alert" data-testid="logo-error">
          {error}
        </p>
      )}
    </div>
  );
}
