import type { LegalIdentity } from '@vigie/shared/api';
import { t } from '../../i18n/i18n.js';

export type { LegalIdentity };

/** The form's text for each field; the address one line per line. */
export type IdentityInputs = {
  name: string;
  legalForm: string;
  address: string;
  siren: string;
  siret: string;
  vatNumber: string;
  email: string;
  electronicAddress: string;
};

export function identityInputs(id?: LegalIdentity | null): IdentityInputs {
  return {
    name: id?.name ?? '',
    legalForm: id?.legalForm ?? '',
    address: (id?.address ?? []).join('\n'),
    siren: id?.siren ?? '',
    siret: id?.siret ?? '',
    vatNumber: id?.vatNumber ?? '',
    email: id?.email ?? '',
    electronicAddress: id?.electronicAddress ?? '',
  };
}

/** What the API takes: empty optional fields left out, the collector says what is missing. */
export function identityBody(f: IdentityInputs): LegalIdentity {
  const opt = (k: Exclude<keyof IdentityInputs, 'name' | 'address'>) => (f[k].trim() ? { [k]: f[k].trim() } : {});
  return {
    name: f.name.trim(),
    address: f.address
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
    ...opt('legalForm'),
    ...opt('siren'),
    ...opt('siret'),
    ...opt('vatNumber'),
    ...opt('email'),
    ...opt('electronicAddress'),
  };
}

/** Name, address, SIREN and VAT number; the provider's identity adds its legal form, SIRET and e-mail. */
export function IdentityFields({ value, onChange, seller }: { value: IdentityInputs; onChange: (v: IdentityInputs) => void; seller?: boolean }) {
  const set = (k: keyof IdentityInputs) => (e: Event) => onChange({ ...value, [k]: (e.currentTarget as HTMLInputElement).value });
  return (
    <div class="row wrap">
      <label class="grow">
        {t('billing.legalName')}
        <input type="text" required maxLength={200} value={value.name} onInput={set('name')} />
      </label>
      {seller && (
        <label class="grow">
          {t('billing.legalForm')}
          <input type="text" maxLength={200} value={value.legalForm} onInput={set('legalForm')} />
        </label>
      )}
      <label class="grow">
        {t('billing.address')}
        <textarea rows={3} value={value.address} onInput={set('address')} />
      </label>
      <label>
        {t('billing.siren')}
        <input type="text" inputMode="numeric" maxLength={11} value={value.siren} onInput={set('siren')} />
      </label>
      {seller && (
        <label>
          {t('billing.siret')}
          <input type="text" inputMode="numeric" maxLength={17} value={value.siret} onInput={set('siret')} />
        </label>
      )}
      <label>
        {t('billing.vatNumber')}
        <input type="text" maxLength={15} value={value.vatNumber} onInput={set('vatNumber')} />
      </label>
      <label>
        {t('facturx.electronicAddress')}
        <input type="text" maxLength={125} placeholder={value.siren.replace(/\s/g, '')} value={value.electronicAddress} onInput={set('electronicAddress')} />
      </label>
      {seller && (
        <label>
          {t('billing.email')}
          <input type="email" maxLength={200} value={value.email} onInput={set('email')} />
        </label>
      )}
    </div>
  );
}
