import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n/i18n.js';

interface Pending {
  title: string;
  /** What will happen, in the reader's words: the amounts, the dates, what cannot be undone. */
  body: ComponentChildren;
  confirm: string;
  resolve: (ok: boolean) => void;
}

/**
 * A confirmation before an action that binds the provider or cannot be undone (a notice, a credit
 * note, a revision, an invoice run, a revocation), saying what will happen. A modal `<dialog>`:
 * Escape or the cancel button answer no.
 */
export function useConfirm(): [ComponentChildren, (title: string, body: ComponentChildren, confirm: string) => Promise<boolean>] {
  const [pending, setPending] = useState<Pending | null>(null);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (pending && d && !d.open) d.showModal();
  }, [pending]);
  const answer = (ok: boolean) => {
    ref.current?.close();
    pending?.resolve(ok);
    setPending(null);
  };
  const ask = (title: string, body: ComponentChildren, confirm: string) => new Promise<boolean>((resolve) => setPending({ title, body, confirm, resolve }));
  const element = pending ? (
    <dialog
      ref={ref}
      class="confirm"
      data-testid="confirm"
      aria-labelledby="confirm-title"
      onCancel={(e) => {
        e.preventDefault();
        answer(false);
      }}
    >
      <h2 id="confirm-title">{pending.title}</h2>
      <div class="confirm-body" data-testid="confirm-body">
        {pending.body}
      </div>
      <div class="row confirm-actions">
        <button type="button" class="secondary" onClick={() => answer(false)} data-testid="confirm-cancel">
          {t('app.cancel')}
        </button>
        <button type="button" class="danger" onClick={() => answer(true)} data-testid="confirm-ok">
          {pending.confirm}
        </button>
      </div>
    </dialog>
  ) : null;
  return [element, ask];
}
