import { LegalIdentity } from '@vigie/shared/api';
import { t } from '../../i18n/i18n.js';

export type { LegalIdentity };

/** Every field of a legal identity (shared/src/api/billing-contracts.ts), in the order the form shows them. */
export const IDENTITY_FIELDS = Object.keys(LegalIdentity.properties) as (keyof LegalIdentity)[];

/** The form's text for each field of the schema; the address one line per line. */
export type IdentityInputs = Record<keyof LegalIdentity, string>;

export function identityInputs(id?: LegalIdentity | null): IdentityInputs {
  const out = {} as IdentityInputs;
  for (const k of IDENTITY_FIELDS) out[k] = k === 'address' ? (id?.address ?? []).join('\n') : String(id?.[k] ?? '');
  return out;
}

/**
 * What the API takes: every field the form holds (a field the form does not show would be lost on
 * save — issue 18), empty optional fields left out, the collector says what is missing.
 */
export function identityBody(f: IdentityInputs): LegalIdentity {
  const out: Record<string, unknown> = {};
  for (const k of IDENTITY_FIELDS) {
    if (k === 'address')
      out.address = f.address
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    else if (k === 'name') out.name = f.name.trim();
    else if (f[k].trim()) out[k] = f[k].trim();
  }
  return out as LegalIdentity;
}

const INPUT: Partial<Record<keyof LegalIdentity, { type?: 'email' | 'tel'; inputMode?: 'numeric'; maxLength: number }>> = {
  siren: { inputMode: 'numeric', maxLength: 11 },
  siret: { inputMode: 'numeric', maxLength: 17 },
  vatNumber: { maxLength: 15 },
  email: { type: 'email', maxLength: 200 },
  phone: { type: 'tel', maxLength: 40 },
  country: { maxLength: 2 },
  electronicAddress: { maxLength: 125 },
  rcs: { maxLength: 100 },
  legalForm: { maxLength: 200 },
};

/** A legal identity, every field of its schema: a provider's or a client's (SIRET, SIREN, legal form, RCS…). */
export function IdentityFields({ value, onChange }: { value: IdentityInputs; onChange: (v: IdentityInputs) => void }) {
  const set = (k: keyof LegalIdentity) => (e: Event) => onChange({ ...value, [k]: (e.currentTarget as HTMLInputElement).value });
  return (
    <div class="row wrap identity" data-testid="identity-fields">
      {IDENTITY_FIELDS.map((k) =>
        k === 'address' ? (
          <label class="grow">
            {t('billing.address')}
            <textarea rows={3} value={value.address} onInput={set('address')} data-field="address" />
          </label>
        ) : (
          <label class={k === 'name' || k === 'legalForm' ? 'grow' : ''}>
            {/* A company's name is its « raison sociale » on a form; errors still say the field's short name. */}
            {k === 'name' ? t('billing.legalName') : t(`field.${k}`)}
            <input
              type={(INPUT[k]?.type ?? 'text') as 'text'}
              inputMode={INPUT[k]?.inputMode}
              maxLength={INPUT[k]?.maxLength ?? 200}
              placeholder={k === 'electronicAddress' ? value.siren.replace(/\s/g, '') : k === 'country' ? 'FR' : undefined}
              value={value[k]}
              data-field={k}
              onInput={set(k)}
            />
          </label>
        ),
      )}
    </div>
  );
}
