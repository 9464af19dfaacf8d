import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Async, CopyButton, Section } from '../../components/ui.js';
import { t } from '../../i18n/i18n.js';
import { useApi } from '../../use-api.js';
import { errorText } from './intervene.js';

export interface TotpStatus {
  enabled: boolean;
  required: boolean;
  recoveryCodesLeft: number;
  stepUpUntil: number | null;
}

/** TOTP enrolment: a QR code (an SVG data: URL, allowed by the CSP), a first code, then the recovery codes once. */
export function TotpPage({ onEnabled }: { onEnabled?: () => void }) {
  const status = useApi<TotpStatus>('/api/v1/auth/totp');
  const [setup, setSetup] = useState<{ secret: string; qrSvg: string } | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const start = async () => {
    try {
      setSetup(await api<{ secret: string; qrSvg: string }>('/api/v1/auth/totp/setup', { body: {} }));
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const confirm = async (e: Event) => {
    e.preventDefault();
    try {
      const r = await api<{ recoveryCodes: string[] }>('/api/v1/auth/totp/confirm', { body: { code } });
      setCodes(r.recoveryCodes);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <>
      <h1>{t('totp.title')}</h1>
      <Async state={status}>
        {(s) => (
          <Section title={t('totp.title')}>
            {s.required && !s.enabled && <p class="warning">{t('totp.required')}</p>}
            {codes ? (
              <div data-testid="recovery-codes">
                <h3>{t('totp.recoveryTitle')}</h3>
                <p class="warning">{t('totp.recoveryWarning')}</p>
                <ul class="plain mono">
                  {codes.map((c) => (
                    <li>{c}</li>
                  ))}
                </ul>
                <CopyButton text={codes.join('\n')} />{' '}
                <button
                  type="button"
                  onClick={() => {
                    status.reload();
                    onEnabled?.();
                  }}
                >
                  {t('totp.continue')}
                </button>
              </div>
            ) : s.enabled ? (
              <p class="success">
                {t('totp.enabled')} {t('totp.recoveryLeft', { count: s.recoveryCodesLeft })}
              </p>
            ) : setup ? (
              <form class="stack" onSubmit={confirm}>
                <p>{t('totp.scan')}</p>
                <img class="qr" src={setup.qrSvg} alt={t('totp.qrAlt')} width={220} height={220} data-testid="totp-qr" />
                <p>
                  {t('totp.secret')} <code data-testid="totp-secret">{setup.secret}</code>
                </p>
                <label>
                  {t('totp.code')}
                  <input
                    name="totp-code"
                    inputMode="numeric"
                    autoComplete="one-time-code"
                    pattern="[0-9]{6}"
                    required
                    value={code}
                    onInput={(e) => setCode((e.currentTarget as HTMLInputElement).value)}
                  />
                </label>
                <button type="submit">{t('totp.confirm')}</button>
              </form>
            ) : (
              <>
                <p>{t('totp.disabled')}</p>
                <button type="button" onClick={start}>
                  {t('totp.start')}
                </button>
              </>
            )}
            {error && (
              <p class="error" role="alert">
                {error}
              </p>
            )}
          </Section>
        )}
      </Async>
    </>
  );
}
