import type { SignedIn } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { ApiError, api } from '../api.js';
import { LangSwitch } from '../components/layout.js';
import { t } from '../i18n/i18n.js';
import type { User } from '../session.js';
import { ResetRequestForm } from './password-reset.js';

export function LoginPage({ expired, onLogin }: { expired: boolean; onLogin: (user: User, csrf: string) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(expired ? t('login.expired') : null);
  const [busy, setBusy] = useState(false);
  const [forgotten, setForgotten] = useState(false);
  // Second step for staff with TOTP: the app's code, or one of the recovery codes.
  const [second, setSecond] = useState<'totp' | 'recovery' | null>(null);
  const [code, setCode] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const factor = second === 'totp' ? { totp: code.trim() } : second === 'recovery' ? { recoveryCode: code.trim() } : {};
      const r = await api<SignedIn>('/api/v1/auth/login', { body: { email, password, ...factor } });
      onLogin(r.user, r.csrfToken);
    } catch (err) {
      const code = err instanceof ApiError ? err.code : undefined;
      if (code === 'VIGIE_E_TOTP_REQUIRED') {
        setSecond('totp');
        setError(null);
      } else if (code === 'VIGIE_E_TOTP_INVALID') setError(t('login.totpInvalid'));
      else setError(err instanceof ApiError && err.status === 429 ? t('login.rateLimited') : t('login.failed'));
      setBusy(false);
    }
  };
  if (forgotten)
    return (
      <div class="login-page">
        <div class="login card">
          <ResetRequestForm onBack={() => setForgotten(false)} />
          <div class="login-foot">
            <LangSwitch />
          </div>
        </div>
      </div>
    );
  return (
    <div class="login-page">
      <form class="login card" onSubmit={submit}>
        <div class="login-brand">
          <span class="logo" aria-hidden="true" />
          <div>
            <strong>{t('app.name')}</strong>
            <small>{t('login.subtitle')}</small>
          </div>
        </div>
        <h1>{t('login.title')}</h1>
        <label>
          {t('login.email')}
          <input
            type="email"
            name="email"
            required
            autoComplete="username"
            value={email}
            onInput={(e) => setEmail((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
        <label>
          {t('login.password')}
          <input
            type="password"
            name="password"
            required
            autoComplete="current-password"
            value={password}
            onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
        {second && (
          <>
            <p class="muted">{second === 'totp' ? t('login.totpAsk') : ''}</p>
            <label>
              {second === 'totp' ? t('login.totp') : t('login.recovery')}
              <input
                name="second-factor"
                required
                autoComplete="one-time-code"
                inputMode={second === 'totp' ? 'numeric' : 'text'}
                value={code}
                onInput={(e) => setCode((e.currentTarget as HTMLInputElement).value)}
              />
            </label>
            <button
              type="button"
              class="link"
              onClick={() => {
                setSecond(second === 'totp' ? 'recovery' : 'totp');
                setCode('');
              }}
            >
              {second === 'totp' ? t('login.useRecovery') : t('login.useTotp')}
            </button>
          </>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t('login.submit')}
        </button>
        <button type="button" class="link" data-testid="forgotten" onClick={() => setForgotten(true)}>
          {t('reset.forgotten')}
        </button>
        <div class="login-foot">
          <LangSwitch />
        </div>
      </form>
    </div>
  );
}
