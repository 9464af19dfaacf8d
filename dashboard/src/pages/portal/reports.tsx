import { Section } from '../../components/ui.js';
import { t } from '../../i18n/i18n.js';

/**
 * Monthly activity reports and two-year statistics (contract 3). The collector's reports domain
 * (`/api/v1/reports`, `/api/v1/clients/:id/stats`) is being built; this page is where they go.
 */
export function ReportsPage() {
  return (
    <>
      <h1>{t('nav.reports')}</h1>
      <Section title={t('reports.title')}>
        <p class="muted" data-testid="reports-pending">
          {t('reports.pending')}
        </p>
      </Section>
      <Section title={t('stats.title')}>
        <p class="muted">{t('app.later')}</p>
      </Section>
    </>
  );
}
