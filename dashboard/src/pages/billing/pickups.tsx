import type { PickupList } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Async, Empty, Section } from '../../components/ui.js';
import { errorText } from '../../error-text.js';
import { fmt, parisToday, parseScaled, t } from '../../i18n/i18n.js';
import { useApi } from '../../use-api.js';

/** Contract 2.5: DEEE pickups billed at cost (transport, handling, recycling by weight), and the waste tracking form (BSD) that follows. */
export function Pickups({ clientId }: { clientId: number }) {
  const pickups = useApi<PickupList>(`/api/v1/billing/pickups?clientId=${clientId}`);
  const [creating, setCreating] = useState(false);
  return (
    <Section
      title={t('pickups.title')}
      actions={
        <button type="button" class="small" onClick={() => setCreating(!creating)}>
          {t('pickups.new')}
        </button>
      }
    >
      {creating && (
        <PickupForm
          clientId={clientId}
          onDone={() => {
            setCreating(false);
            pickups.reload();
          }}
        />
      )}
      <Async state={pickups}>
        {(r) =>
          r.pickups.length === 0 ? (
            <Empty text={t('pickups.none')} />
          ) : (
            <table class="table" data-testid="pickups">
              <thead>
                <tr>
                  <th>{t('pickups.date')}</th>
                  <th>{t('supplied.description')}</th>
                  <th class="num">{t('pickups.weight')}</th>
                  <th class="num">{t('pickups.transport')}</th>
                  <th class="num">{t('pickups.handling')}</th>
                  <th class="num">{t('pickups.recycling')}</th>
                  <th>{t('pickups.bsd')}</th>
                </tr>
              </thead>
              <tbody>
                {[...r.pickups].reverse().map((p) => (
                  <tr data-pickup={p.id}>
                    <td>{fmt.day(p.picked_up_on)}</td>
                    <td>{p.description}</td>
                    <td class="num">{fmt.number(p.weight_grams / 1000)} kg</td>
                    <td class="num">{fmt.money(p.transport_cents)}</td>
                    <td class="num">{fmt.money(p.handling_cents)}</td>
                    <td class="num" data-testid="recycling">
                      {fmt.money(p.recycling_cents)}
                      <div class="muted small">{t('pickups.rate', { rate: fmt.money(p.recycling_rate_cents_per_kg) })}</div>
                    </td>
                    <td data-testid="bsd">
                      {p.bsd_reference ? <span class="mono">{p.bsd_reference}</span> : <BsdForm pickupId={p.id} onDone={pickups.reload} />}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Async>
    </Section>
  );
}

/** The BSD arrives after the pickup: its reference is entered then. */
function BsdForm({ pickupId, onDone }: { pickupId: number; onDone: () => void }) {
  const [reference, setReference] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      class="row tight"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await api(`/api/v1/billing/pickups/${pickupId}/bsd`, { method: 'PUT', body: { reference } });
          onDone();
        } catch (err) {
          setError(errorText(err));
        }
      }}
    >
      <input
        type="text"
        required
        maxLength={100}
        aria-label={t('pickups.bsdReference')}
        placeholder={t('pickups.bsdPending')}
        value={reference}
        onInput={(e) => setReference((e.currentTarget as HTMLInputElement).value)}
      />
      <button type="submit" class="secondary small">
        {t('app.save')}
      </button>
      {error && <span class="text-critical small">{error}</span>}
    </form>
  );
}

function PickupForm({ clientId, onDone }: { clientId: number; onDone: () => void }) {
  const [f, setF] = useState({ pickedUpOn: parisToday(), description: '', weight: '', transport: '', handling: '', rate: '', bsd: '' });
  const [error, setError] = useState<string | null>(null);
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });
  const body = {
    pickedUpOn: f.pickedUpOn,
    description: f.description,
    weightGrams: parseScaled(f.weight, 3),
    transportCents: parseScaled(f.transport || '0', 2),
    handlingCents: parseScaled(f.handling || '0', 2),
    recyclingRateCentsPerKg: parseScaled(f.rate || '0', 2),
    ...(f.bsd.trim() ? { bsdReference: f.bsd.trim() } : {}),
  };
  const valid = f.description.trim() && [body.weightGrams, body.transportCents, body.handlingCents, body.recyclingRateCentsPerKg].every((v) => v !== undefined);
  return (
    <form
      class="row wrap pickup-form"
      data-testid="pickup-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        try {
          await api(`/api/v1/billing/clients/${clientId}/pickups`, { body });
          onDone();
        } catch (err) {
          setError(errorText(err));
        }
      }}
    >
      <label>
        {t('pickups.date')}
        <input type="date" required value={f.pickedUpOn} onInput={set('pickedUpOn')} />
      </label>
      <label class="grow">
        {t('supplied.description')}
        <input type="text" required maxLength={1000} value={f.description} onInput={set('description')} />
      </label>
      <label>
        {t('pickups.weightKg')}
        <input type="text" inputMode="decimal" required value={f.weight} onInput={set('weight')} />
      </label>
      <label>
        {t('pickups.transport')}
        <input type="text" inputMode="decimal" value={f.transport} placeholder="0,00" onInput={set('transport')} />
      </label>
      <label>
        {t('pickups.handling')}
        <input type="text" inputMode="decimal" value={f.handling} placeholder="0,00" onInput={set('handling')} />
      </label>
      <label>
        {t('pickups.ratePerKg')}
        <input type="text" inputMode="decimal" value={f.rate} placeholder="0,00" onInput={set('rate')} />
      </label>
      <label>
        {t('pickups.bsdReference')}
        <input type="text" maxLength={100} value={f.bsd} onInput={set('bsd')} />
      </label>
      <button type="submit" disabled={!valid}>
        {t('pickups.create')}
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
