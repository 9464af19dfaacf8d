import type { ClientList, ReportSettings as ReportSettingsData, SiteList, Statistics } from '@vigie/shared/api';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Async, NotFound, Section } from '../../components/ui.js';
import { errorText } from '../../error-text.js';
import { t } from '../../i18n/i18n.js';
import { href } from '../../router.js';
import { useApi } from '../../use-api.js';
import { StatsCharts } from '../reports/stats-charts.js';
import { ReportCommentForm } from './report-comment.js';

/** A client as a technician follows it: its sites and their network, who receives its reports and the word on its month, and two years of statistics. */
export function ClientPage({ id }: { id: number }) {
  const clients = useApi<ClientList>('/api/v1/clients');
  const sites = useApi<SiteList>(`/api/v1/clients/${id}/sites`);
  const stats = useApi<Statistics>(`/api/v1/clients/${id}/stats?months=24`);
  const client = clients.data?.clients.find((c) => c.id === id);
  if (clients.data && !client) return <NotFound />;
  return (
    <>
      <p>
        <a href={href('/')}>{t('app.back')}</a>
      </p>
      <div class="page-head">
        <h1 data-testid="client-title">{client?.name ?? ''}</h1>
        <nav class="row links">
          <a href={href(`/devices?clientId=${id}`)}>{t('nav.devices')}</a>
          <a href={href(`/reports?clientId=${id}`)}>{t('nav.reports')}</a>
          <a href={href(`/network?clientId=${id}`)}>{t('nav.network')}</a>
          <a href={href(`/billing/clients/${id}`)}>{t('nav.billing')}</a>
        </nav>
      </div>
      <div class="grid-2">
        <Section title={t('network.sites')}>
          <Async state={sites}>
            {(r) => (
              <ul class="plain" data-testid="client-sites">
                {r.sites.map((s) => (
                  <li>
                    {s.name} · <a href={href(`/network/${id}/${s.id}`)}>{t('nav.network')}</a>
                  </li>
                ))}
              </ul>
            )}
          </Async>
        </Section>
        <ReportSettings clientId={id} />
      </div>
      <ReportCommentForm clientId={id} />
      <h2 class="section-title">{t('stats.title')}</h2>
      <Async state={stats}>{(s) => <StatsCharts months={s.months} />}</Async>
    </>
  );
}

/** Who receives the monthly report by e-mail, and in which language (none: the billing contract's recipients). */
function ReportSettings({ clientId }: { clientId: number }) {
  const settings = useApi<ReportSettingsData>(`/api/v1/clients/${clientId}/report-settings`);
  const [recipients, setRecipients] = useState('');
  const [lang, setLang] = useState<'fr' | 'en'>('fr');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    if (!settings.data) return;
    setRecipients(settings.data.ownRecipients ? settings.data.recipients.join(', ') : '');
    setLang(settings.data.lang);
  }, [settings.data]);
  return (
    <Section title={t('reports.settings')}>
      <form
        class="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            const list = recipients
              .split(/[,;\s]+/)
              .map((r) => r.trim())
              .filter(Boolean);
            await api(`/api/v1/clients/${clientId}/report-settings`, { method: 'PUT', body: { recipients: list, lang } });
            setMessage({ ok: true, text: t('reports.settingsSaved') });
            settings.reload();
          } catch (err) {
            setMessage({ ok: false, text: errorText(err) });
          }
        }}
      >
        <label>
          {t('reports.recipients')}
          <input
            type="text"
            value={recipients}
            onInput={(e) => setRecipients((e.currentTarget as HTMLInputElement).value)}
            placeholder="dsi@client.fr, direction@client.fr"
          />
        </label>
        <p class="muted small">
          {settings.data && !settings.data.ownRecipients && settings.data.recipients.length > 0
            ? t('reports.contractRecipients', { list: settings.data.recipients.join(', ') })
            : t('reports.recipientsHint')}
        </p>
        <div class="row">
          <label>
            {t('users.locale')}
            <select value={lang} onChange={(e) => setLang((e.currentTarget as HTMLSelectElement).value as 'fr' | 'en')}>
              <option value="fr">{t('lang.fr')}</option>
              <option value="en">{t('lang.en')}</option>
            </select>
          </label>
          <button type="submit">{t('app.save')}</button>
        </div>
        {message && <p class={message.ok ? 'success' : 'error'}>{message.text}</p>}
      </form>
    </Section>
  );
}
