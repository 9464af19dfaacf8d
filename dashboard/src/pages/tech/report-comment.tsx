import type { ReportComment as ReportCommentData } from '@vigie/shared/api';
import { ReportCommentBody } from '@vigie/shared/api';
import { monthOf, shiftMonth } from '@vigie/shared/calendar';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Section } from '../../components/ui.js';
import { errorText, formProblems } from '../../error-text.js';
import { fmt, parisToday, t } from '../../i18n/i18n.js';
import { useApi } from '../../use-api.js';
import { Problems } from '../password-reset.js';

/**
 * The technician's word on a client's month (issue 18, point 11), printed on the summary page of
 * that month's report: by default the month the next report covers (the previous one).
 */
export function ReportCommentForm({ clientId }: { clientId: number }) {
  const [month, setMonth] = useState(shiftMonth(monthOf(parisToday()), -1));
  const current = useApi<ReportCommentData>(`/api/v1/clients/${clientId}/reports/${month}/comment`);
  const [text, setText] = useState('');
  const [problems, setProblems] = useState<string[]>([]);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setText(current.data?.text ?? ''), [current.data]);
  return (
    <Section title={t('reports.comment.title')}>
      <form
        class="stack"
        data-testid="report-comment"
        onSubmit={async (e) => {
          e.preventDefault();
          const body = { text };
          const found = formProblems(ReportCommentBody, body);
          setProblems(found);
          setSaved(null);
          if (found.length) return;
          setBusy(true);
          try {
            await api(`/api/v1/clients/${clientId}/reports/${month}/comment`, { method: 'PUT', body });
            setSaved(t(text.trim() ? 'reports.comment.saved' : 'reports.comment.removed', { month: fmt.month(month) }));
            current.reload();
          } catch (err) {
            setProblems([errorText(err)]);
          } finally {
            setBusy(false);
          }
        }}
      >
        <label>
          {t('reports.comment.month')}
          <input
            type="month"
            value={month}
            data-testid="report-comment-month"
            onInput={(e) => setMonth((e.currentTarget as HTMLInputElement).value || month)}
          />
        </label>
        <label>
          {t('reports.comment.text')}
          <textarea
            rows={5}
            maxLength={4000}
            value={text}
            data-testid="report-comment-text"
            onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
          />
        </label>
        <p class="muted small">
          {t('reports.comment.hint')}
          {current.data?.authorName && current.data.updatedAt
            ? ` ${t('reports.comment.by', { name: current.data.authorName, date: fmt.dateTime(current.data.updatedAt) })}`
            : ''}
        </p>
        <Problems list={problems} />
        {saved && (
          <p class="success" data-testid="report-comment-saved">
            {saved}
          </p>
        )}
        <div>
          <button type="submit" disabled={busy}>
            {t('reports.comment.save')}
          </button>
        </div>
      </form>
    </Section>
  );
}
