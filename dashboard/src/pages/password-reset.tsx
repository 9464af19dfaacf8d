import { PasswordResetBody, PasswordResetRequestBody } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { LangSwitch } from '../components/layout.js';
import { errorText, formProblems } from '../error-text.js';
import { t } from '../i18n/i18n.js';
import { href, useHashQuery } from '../router.js';

function Problems({ list }: { list: string[] }) {
  if (list.length === 0) return null;
  return (
    <div class="error" role="alert" data-testid="form-problems">
      {list.length === 1 ? (
        list[0]
      ) : (
        <ul class="field-problems">
          {list.map((p) => (
            <li>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** "Forgotten password": the address only; the answer is the same whether an account has it or not. */
export function ResetRequestForm({ onBack }: { onBack: () => void }) {
  const [email, setEmail] = useState('');
  const [problems, setProblems] = useState<string[]>([]);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="stack"
      data-testid="reset-request"
      onSubmit={async (e) => {
        e.preventDefault();
        const body = { email: email.trim() };
        const found = formProblems(PasswordResetRequestBody, body);
        setProblems(found);
        if (found.length) return;
        setBusy(true);
        try {
          await api('/api/v1/auth/password-reset', { body });
          setSent(true);
        } catch (err) {
          setProblems([errorText(err)]);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h1>{t('reset.title')}</h1>
      {sent ? (
        <p class="success" data-testid="reset-sent">
          {t('reset.sent')}
        </p>
      ) : (
        <>
          <p class="muted">{t('reset.intro')}</p>
          <label>
            {t('login.email')}
            <input type="email" autoComplete="username" value={email} onInput={(e) => setEmail((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <Problems list={problems} />
          <button type="submit" disabled={busy}>
            {t('reset.send')}
          </button>
        </>
      )}
      <button type="button" class="link" onClick={onBack}>
        {t('reset.back')}
      </button>
    </form>
  );
}

/** The page a reset mail's link opens (`#/reset?token=…`), or where its code is pasted. */
export function ResetPage() {
  const q = useHashQuery();
  const [token, setToken] = useState(q.get('token') ?? '');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [problems, setProblems] = useState<string[]>([]);
  const [done, setDone] = useState(false);
  return (
    <div class="login-page">
      <form
        class="login card"
        data-testid="reset-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const body = { token: token.trim(), newPassword: password };
          const found = formProblems(PasswordResetBody, body);
          if (password !== again) found.push(t('reset.mismatch'));
          setProblems(found);
          if (found.length) return;
          try {
            await api('/api/v1/auth/password-reset/confirm', { body });
            setDone(true);
          } catch (err) {
            setProblems([errorText(err)]);
          }
        }}
      >
        <h1>{t('reset.choose')}</h1>
        {done ? (
          <>
            <p class="success" data-testid="reset-done">
              {t('reset.done')}
            </p>
            <a class="button" href={href('/')}>
              {t('login.submit')}
            </a>
          </>
        ) : (
          <>
            {!q.get('token') && (
              <label>
                {t('field.token')}
                <input type="text" value={token} onInput={(e) => setToken((e.currentTarget as HTMLInputElement).value)} />
              </label>
            )}
            <label>
              {t('field.newPassword')}
              <input type="password" autoComplete="new-password" value={password} onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)} />
            </label>
            <label>
              {t('reset.again')}
              <input type="password" autoComplete="new-password" value={again} onInput={(e) => setAgain((e.currentTarget as HTMLInputElement).value)} />
            </label>
            <p class="muted small">{t('reset.rule')}</p>
            <Problems list={problems} />
            <button type="submit">{t('reset.save')}</button>
          </>
        )}
        <div class="login-foot">
          <LangSwitch />
        </div>
      </form>
    </div>
  );
}

export { Problems };
