import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiError } from '../api.js';
import { errorText } from '../error-text.js';
import { type MessageKey, t, tOr } from '../i18n/i18n.js';
import type { Loaded } from '../use-api.js';

export type DeviceState = 'ok' | 'warning' | 'critical' | 'offline' | 'unknown';

/** A coloured state label; the word is always there (colour is never the only signal). */
export function StateBadge({ state }: { state: string | null | undefined }) {
  const s = state ?? 'unknown';
  return <span class={`badge state-${s}`}>{tOr(`state.${s}`, s)}</span>;
}

export function Badge({ kind, children }: { kind: string; children: ComponentChildren }) {
  return <span class={`badge ${kind}`}>{children}</span>;
}

export function Loading() {
  return <p class="muted">{t('app.loading')}</p>;
}

export function ErrorView({ error, retry }: { error: ApiError; retry?: () => void }) {
  if (error.status === 404) return <NotFound />;
  return (
    <div class="error" role="alert">
      {errorText(error)}{' '}
      {retry && (
        <button type="button" class="link" onClick={retry}>
          {t('app.retry')}
        </button>
      )}
    </div>
  );
}

export function NotFound() {
  return (
    <div class="notfound" data-testid="not-found">
      <h1>404</h1>
      <p>{t('app.notFound')}</p>
    </div>
  );
}

/** Renders `children(data)` once loaded, the error or a loading line otherwise. */
export function Async<T>({ state, children }: { state: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (state.data !== undefined) return <>{children(state.data)}</>;
  if (state.error) return <ErrorView error={state.error} retry={state.reload} />;
  return <Loading />;
}

export function Section({ title, children, actions, id }: { title: string; children: ComponentChildren; actions?: ComponentChildren; id?: string }) {
  return (
    <section class="card" id={id}>
      <header class="card-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** Label/value rows; empty values are left out. */
export function KeyValues({ rows }: { rows: [MessageKey | string, ComponentChildren][] }) {
  const shown = rows.filter(([, v]) => v !== undefined && v !== null && v !== '');
  return (
    <dl class="kv">
      {shown.map(([k, v]) => (
        <>
          <dt>{k.includes('.') ? tOr(k, k) : k}</dt>
          <dd>{v}</dd>
        </>
      ))}
    </dl>
  );
}

export function CopyButton({ text }: { text: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      class="secondary small"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
        } catch {
          // Clipboard refused (plain http, permissions): select the text for a manual copy.
        }
        setDone(true);
        setTimeout(() => setDone(false), 1500);
      }}
    >
      {done ? t('app.copied') : t('app.copy')}
    </button>
  );
}

export function Empty({ text }: { text?: string }) {
  return <p class="muted empty">{text ?? t('app.none')}</p>;
}
