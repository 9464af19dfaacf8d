import type { TicketAttachment } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { upload } from '../../api.js';
import { errorText } from '../../error-text.js';
import { fmt, t } from '../../i18n/i18n.js';

/** What the collector accepts (collector/src/tickets/attachments.ts): checked here before sending, by the collector from the bytes. */
export const ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;
const ACCEPT = 'image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,.log,.txt';
const KINDS = /\.(png|jpe?g|gif|webp|pdf|txt|log)$/i;

/** Why a file will not be sent, before sending it. */
export function fileProblem(f: File): string | undefined {
  if (f.size > ATTACHMENT_MAX_BYTES) return t('error.withField', { field: f.name, sentence: t('ticket.attachment.tooLarge', { max: '10 Mio' }) });
  if (!KINDS.test(f.name)) return t('error.reason.attachment_type').replace('{name}', f.name);
  return undefined;
}

/** Sends the files one after the other; returns, for each refused one, why. */
export async function uploadAll(ticketId: number, files: File[]): Promise<string[]> {
  const failed: string[] = [];
  for (const f of files) {
    try {
      await upload(`/api/v1/tickets/${ticketId}/attachments?name=${encodeURIComponent(f.name)}`, f);
    } catch (err) {
      // The refusal names the file already (its type), or it is said about it.
      const why = errorText(err);
      failed.push(why.includes(f.name) ? why : t('error.withField', { field: f.name, sentence: why }));
    }
  }
  return failed;
}

export function AttachmentPicker({ files, onChange }: { files: File[]; onChange: (f: File[]) => void }) {
  const problems = files.map(fileProblem).filter((p): p is string => p !== undefined);
  return (
    <div class="stack">
      <label>
        {t('ticket.attachments')}
        <input
          type="file"
          multiple
          accept={ACCEPT}
          data-testid="attachment-input"
          onChange={(e) => onChange([...((e.currentTarget as HTMLInputElement).files ?? [])])}
        />
        <span class="muted small">{t('ticket.attachment.rule')}</span>
      </label>
      {problems.length > 0 && (
        <p class="error" role="alert">
          {problems.join(' ')}
        </p>
      )}
    </div>
  );
}

/** A ticket's files: each one a download (never shown inside the dashboard), and more sent from here. */
export function TicketAttachments({
  ticketId,
  attachments,
  onDone,
  initialError,
}: {
  ticketId: number;
  attachments: TicketAttachment[];
  onDone: () => void;
  initialError?: string | null;
}) {
  const [files, setFiles] = useState<File[]>([]);
  const [error, setError] = useState<string | null>(initialError ?? null);
  const [busy, setBusy] = useState(false);
  return (
    <div class="stack" data-testid="attachments">
      {attachments.length === 0 ? (
        <p class="muted">{t('ticket.attachment.none')}</p>
      ) : (
        <ul class="plain">
          {attachments.map((a) => (
            <li data-attachment={a.name}>
              <a href={`/api/v1/tickets/${ticketId}/attachments/${a.id}`} download={a.name}>
                {a.name}
              </a>{' '}
              <span class="muted small">
                {fmt.bytes(a.size)} · {a.authorName ?? ''} · {fmt.dateTime(a.createdAt)}
              </span>
            </li>
          ))}
        </ul>
      )}
      <form
        class="row wrap"
        onSubmit={async (e) => {
          e.preventDefault();
          const bad = files.map(fileProblem).filter(Boolean);
          if (bad.length || files.length === 0) return;
          setBusy(true);
          const failed = await uploadAll(ticketId, files);
          setBusy(false);
          setError(failed.length ? failed.join(' · ') : null);
          setFiles([]);
          onDone();
        }}
      >
        <AttachmentPicker files={files} onChange={setFiles} />
        <button type="submit" class="secondary small" disabled={busy || files.length === 0} data-testid="attachment-send">
          {t('ticket.attachment.send')}
        </button>
      </form>
      {error && (
        <p class="error" role="alert" data-testid="attachment-error">
          {error}
        </p>
      )}
    </div>
  );
}
