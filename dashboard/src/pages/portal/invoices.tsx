import type { InvoiceList } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Async, Badge, Empty, Section } from '../../components/ui.js';
import { errorText } from '../../error-text.js';
import { fmt, type MessageKey, t } from '../../i18n/i18n.js';
import type { User } from '../../session.js';
import { useApi } from '../../use-api.js';
import { DeliveryState, InvoiceFiles, useInvoiceDeliveries } from '../billing/invoice-files.js';

const STATUS_KEY: Record<string, MessageKey> = { paid: 'invoices.paid', due: 'invoices.unpaid', overdue: 'invoices.overdue', disputed: 'invoices.inDispute' };

/** Contract 3 and 5.1: the invoices of the current and previous year, their PDF, and a motivated dispute. */
export function InvoicesPage({ user }: { user: User }) {
  const list = useApi<InvoiceList>('/api/v1/billing/invoices');
  const [disputing, setDisputing] = useState<number | null>(null);
  const deliveries = useInvoiceDeliveries();
  return (
    <>
      <h1>{t('invoices.title')}</h1>
      <Section title={t('invoices.title')}>
        <Async state={list}>
          {(r) =>
            r.invoices.length === 0 ? (
              <Empty text={t('invoices.none')} />
            ) : (
              <table class="table cards" data-testid="invoices">
                <thead>
                  <tr>
                    <th>{t('invoices.number')}</th>
                    <th>{t('invoices.date')}</th>
                    <th>{t('invoices.period')}</th>
                    <th class="num">{t('invoices.total')}</th>
                    <th>{t('invoices.due')}</th>
                    <th>{t('invoices.status')}</th>
                    <th>{t('facturx.files')}</th>
                    <th>{t('facturx.delivery')}</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {r.invoices.map((inv) => (
                    <>
                      <tr data-invoice={inv.number}>
                        <td class="mono card-title">{inv.number}</td>
                        <td data-label={t('invoices.date')}>{fmt.day(inv.issuedOn)}</td>
                        <td data-label={t('invoices.period')}>{fmt.month(inv.periodStart.slice(0, 7))}</td>
                        <td class="num" data-label={t('invoices.total')}>
                          {fmt.money(inv.totalInclCents)}
                        </td>
                        <td data-label={t('invoices.due')}>{inv.kind === 'invoice' ? fmt.day(inv.effectiveDueOn ?? inv.dueOn) : ''}</td>
                        <td data-label={t('invoices.status')}>
                          {STATUS_KEY[inv.status] ? <Badge kind={`inv-${inv.status}`}>{t(STATUS_KEY[inv.status]!)}</Badge> : t('billing.status.credit_note')}
                        </td>
                        <td data-label={t('facturx.files')}>
                          <InvoiceFiles id={inv.id} />
                        </td>
                        <td data-label={t('facturx.delivery')}>
                          <DeliveryState delivery={deliveries.byInvoice.get(inv.id)} />
                        </td>
                        <td data-label="">
                          {user.role === 'client' && inv.kind === 'invoice' && inv.status !== 'paid' && inv.status !== 'disputed' && (
                            <button type="button" class="secondary small" onClick={() => setDisputing(disputing === inv.id ? null : inv.id)}>
                              {t('invoices.dispute')}
                            </button>
                          )}
                        </td>
                      </tr>
                      {disputing === inv.id && (
                        <tr>
                          <td colSpan={9}>
                            <DisputeForm
                              invoiceId={inv.id}
                              onDone={() => {
                                setDisputing(null);
                                list.reload();
                              }}
                            />
                          </td>
                        </tr>
                      )}
                    </>
                  ))}
                </tbody>
              </table>
            )
          }
        </Async>
      </Section>
    </>
  );
}

function DisputeForm({ invoiceId, onDone }: { invoiceId: number; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      class="stack"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await api(`/api/v1/billing/invoices/${invoiceId}/disputes`, { body: { reason, notifiedVia: 'portal' } });
          onDone();
        } catch (err) {
          setError(errorText(err));
        }
      }}
    >
      <label>
        {t('invoices.disputeReason')}
        <textarea rows={3} required value={reason} onInput={(e) => setReason((e.currentTarget as HTMLTextAreaElement).value)} />
      </label>
      {error && <p class="error">{error}</p>}
      <div>
        <button type="submit" disabled={!reason.trim()}>
          {t('invoices.disputeSend')}
        </button>
      </div>
    </form>
  );
}
