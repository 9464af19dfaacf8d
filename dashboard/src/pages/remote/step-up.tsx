import { useState } from 'preact/hooks';
import { ApiError, api } from '../../api.js';
import { fmt, t } from '../../i18n/i18n.js';

/**
 * Runs `action`; when the collector answers that a fresh TOTP is needed (scripts, reboots, script
 * approval), asks for a code here, confirms it for this session, and runs the action again.
 */
export function useStepUp() {
  const [pending, setPending] = useState<{ retry: () => Promise<void> } | null>(null);
  const run = async (action: () => Promise<void>) => {
    try {
      await action();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'VIGIE_E_STEP_UP_REQUIRED') setPending({ retry: action });
      else throw err;
    }
  };
  const prompt = pending ? (
    <StepUpPrompt
      onDone={async () => {
        const p = pending;
        setPending(null);
        await p.retry();
      }}
      onCancel={() => setPending(null)}
    />
  ) : null;
  return { run, prompt };
}

export function StepUpPrompt({ onDone, onCancel }: { onDone: () => Promise<void>; onCancel: () => void }) {
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [until, setUntil] = useState<number | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const r = await api<{ stepUpUntil: number }>('/api/v1/auth/step-up', { body: { code } });
      setUntil(r.stepUpUntil);
      setError(null);
      await onDone();
    } catch (err) {
      setError(err instanceof ApiError && err.code === 'VIGIE_E_TOTP_INVALID' ? t('login.totpInvalid') : err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <form class="card stepup" aria-labelledby="stepup-title" data-testid="step-up" onSubmit={submit}>
      <h2 id="stepup-title">{t('stepup.title')}</h2>
      <p>{t('stepup.text')}</p>
      <label>
        {t('totp.code')}
        <input
          name="step-up-code"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9]{6}"
          required
          value={code}
          onInput={(e) => setCode((e.currentTarget as HTMLInputElement).value)}
        />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {until && <p class="success">{t('stepup.until', { time: fmt.dateTime(until) })}</p>}
      <div class="row">
        <button type="submit">{t('stepup.submit')}</button>
        <button type="button" class="secondary" onClick={onCancel}>
          {t('app.cancel')}
        </button>
      </div>
    </form>
  );
}
