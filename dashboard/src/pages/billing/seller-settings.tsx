import { useState } from 'preact/hooks';
import { ApiError, api } from '../../api.js';
import { Async, Section } from '../../components/ui.js';
import { t } from '../../i18n/i18n.js';
import { useApi } from '../../use-api.js';
import { IdentityFields, identityBody, identityInputs, type LegalIdentity } from './identity-fields.js';

interface Settings {
  seller: LegalIdentity | null;
  bank: { iban: string; bic: string; bank?: string } | null;
}

/** GET/PUT /api/v1/billing/settings: the provider's identity and bank details, printed on every invoice. */
export function SellerSettings() {
  const settings = useApi<Settings>('/api/v1/billing/settings');
  return (
    <Section title={t('billing.seller')}>
      <Async state={settings}>{(s) => <SellerForm settings={s} onDone={settings.reload} />}</Async>
    </Section>
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
