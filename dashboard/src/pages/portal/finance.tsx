import type { Finance } from '@vigie/shared/api';
import { Async, Section } from '../../components/ui.js';
import { fmt, t } from '../../i18n/i18n.js';
import type { User } from '../../session.js';
import { useApi } from '../../use-api.js';

/** Contract 3: the financial follow-up of the last three months. */
export function FinancePage({ user }: { user: User }) {
  const finance = useApi<Finance>(user.clientId ? `/api/v1/billing/clients/${user.clientId}/finance` : null);
  return (
    <>
      <h1>{t('finance.title')}</h1>
      <Section title={t('finance.title')}>
        <Async state={finance}>
          {(r) => (
            <table class="table cards" data-testid="finance">
              <thead>
                <tr>
                  <th>{t('finance.month')}</th>
                  <th class="num">{t('finance.invoiced')}</th>
                  <th class="num">{t('finance.paid')}</th>
                  <th class="num">{t('finance.outstanding')}</th>
                  <th class="num">{t('invoices.overdue')}</th>
                  <th class="num">{t('invoices.inDispute')}</th>
                </tr>
              </thead>
              <tbody>
                {r.months.map((m) => (
                  <tr>
                    <td class="card-title">{fmt.month(m.month)}</td>
                    <td class="num" data-label={t('finance.invoiced')}>
                      {fmt.money(m.invoicedInclCents)}
                    </td>
                    <td class="num" data-label={t('finance.paid')}>
                      {fmt.money(m.paidCents)}
                    </td>
                    <td class="num" data-label={t('finance.outstanding')}>
                      {fmt.money(m.outstandingCents)}
                    </td>
                    <td class={`num ${m.overdueCents > 0 ? 'text-critical' : ''}`} data-label={t('invoices.overdue')}>
                      {fmt.money(m.overdueCents)}
                    </td>
                    <td class="num" data-label={t('invoices.inDispute')}>
                      {fmt.money(m.disputedCents)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Async>
      </Section>
    </>
  );
}
