import type { EcbRates, SyntecIndices } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Async, Empty, Section } from '../../components/ui.js';
import { errorText } from '../../error-text.js';
import { fmt, parisToday, parseScaled, t } from '../../i18n/i18n.js';
import type { User } from '../../session.js';
import { useApi } from '../../use-api.js';

/**
 * Contract 5.1 and 5.2: the ECB rate (late-payment interest is that rate + 10 points) and the
 * Syntec index (yearly price revision), entered by an admin as they are published.
 */
export function RatesSection({ user }: { user: User }) {
  const ecb = useApi<EcbRates>('/api/v1/billing/ecb-rates');
  const syntec = useApi<SyntecIndices>('/api/v1/billing/syntec');
  const admin = user.role === 'admin';
  return (
    <div class="grid-2">
      <Section title={t('billing.ecb')}>
        <p class="muted small">{t('billing.ecbHint')}</p>
        <Async state={ecb}>
          {(r) =>
            r.rates.length === 0 ? (
              <Empty text={t('billing.ecbNone')} />
            ) : (
              <ul class="plain" data-testid="ecb-rates">
                {r.rates.map((x) => (
                  <li>
                    {t('billing.from', { date: fmt.day(x.from) })} · {fmt.pct(x.rateBp / 100, 2)}
                  </li>
                ))}
              </ul>
            )
          }
        </Async>
        {admin && <EcbForm onDone={ecb.reload} />}
      </Section>
      <Section title={t('billing.syntec')}>
        <Async state={syntec}>
          {(r) =>
            r.indices.length === 0 ? (
              <Empty text={t('billing.syntecNone')} />
            ) : (
              <ul class="plain" data-testid="syntec-indices">
                {r.indices.map((x) => (
                  <li>
                    {fmt.day(x.publishedOn)} · {fmt.number(x.value)}
                  </li>
                ))}
              </ul>
            )
          }
        </Async>
        {admin && <SyntecForm onDone={syntec.reload} />}
      </Section>
    </div>
  );
}

function EcbForm({ onDone }: { onDone: () => void }) {
  const [from, setFrom] = useState(parisToday());
  const [rate, setRate] = useState('');
  const [error, setError] = useState<string | null>(null);
  const bp = parseScaled(rate.replace('%', ''), 2);
  return (
    <form
      class="row wrap"
      data-testid="ecb-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        try {
          await api('/api/v1/billing/ecb-rates', { body: { from, rateBp: bp } });
          setRate('');
          onDone();
        } catch (err) {
          setError(errorText(err));
        }
      }}
    >
      <label>
        {t('billing.validFrom')}
        <input type="date" required value={from} onInput={(e) => setFrom((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <label>
        {t('billing.ecbRate')}
        <input type="text" inputMode="decimal" required value={rate} placeholder="2,15" onInput={(e) => setRate((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <button type="submit" disabled={bp === undefined}>
        {t('billing.add')}
      </button>
      {error && <p class="error">{error}</p>}
    </form>
  );
}

/** A Syntec index as published (e.g. 300,1), with its publication date. */
export function SyntecForm({ onDone }: { onDone: () => void }) {
  const [on, setOn] = useState(parisToday());
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const tenths = parseScaled(value, 2);
  return (
    <form
      class="row wrap"
      data-testid="syntec-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        try {
          await api('/api/v1/billing/syntec', { body: { publishedOn: on, value: tenths! / 100 } });
          setValue('');
          onDone();
        } catch (err) {
          setError(errorText(err));
        }
      }}
    >
      <label>
        {t('billing.publishedOn')}
        <input type="date" required value={on} onInput={(e) => setOn((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <label>
        {t('billing.syntecValue')}
        <input
          type="text"
          inputMode="decimal"
          required
          value={value}
          placeholder="300,1"
          onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)}
        />
      </label>
      <button type="submit" disabled={tenths === undefined || tenths <= 0}>
        {t('billing.add')}
      </button>
      {error && <p class="error">{error}</p>}
    </form>
  );
}
