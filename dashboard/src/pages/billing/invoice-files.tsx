import type { InvoiceDeliveryOf, LatestInvoiceDeliveries } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { api, qs } from '../../api.js';
import { Badge } from '../../components/ui.js';
import { errorText } from '../../error-text.js';
import { currentLang, fmt, t } from '../../i18n/i18n.js';
import { useApi } from '../../use-api.js';
export type InvoiceDelivery = InvoiceDeliveryOf;

/** The latest e-mail delivery of each invoice the user may see, by invoice id. */
export function useInvoiceDeliveries(clientId?: string) {
  const r = useApi<LatestInvoiceDeliveries>(`/api/v1/billing/invoice-deliveries${qs({ clientId })}`);
  return { byInvoice: new Map((r.data?.deliveries ?? []).map((d) => [d.invoiceId, d])), reload: r.reload };
}

/** The Factur-X PDF (the legal original, with its XML inside), the CII XML alone and the UBL export. */
export function InvoiceFiles({ id }: { id: number }) {
  const base = `/api/v1/billing/invoices/${id}`;
  return (
    <span class="row small" data-testid="invoice-files">
      <a href={`${base}/pdf?lang=${currentLang()}`} target="_blank" rel="noopener" data-testid="pdf" title={t('facturx.pdfTitle')}>
        {t('facturx.pdf')}
      </a>
      <a href={`${base}/xml`} data-testid="xml" title={t('facturx.xmlTitle')}>
        XML
      </a>
      <a href={`${base}/ubl`} data-testid="ubl" title={t('facturx.ublTitle')}>
        UBL
      </a>
    </span>
  );
}

/**
 * Where the invoice's e-mail stands: sent (when, to how many), retrying, failed, not sent; staff also
 * see why (the relay's or the collector's own words, which are not for the client's portal).
 */
export function DeliveryState({ delivery, staff = false }: { delivery: InvoiceDelivery | undefined; staff?: boolean }) {
  if (!delivery) return <span class="muted small">{t('facturx.notSent')}</span>;
  const d = delivery;
  const detail =
    d.status === 'sent'
      ? t('facturx.sentDetail', { date: fmt.dateTime(d.sentAt), count: d.recipients.length })
      : d.status === 'failed'
        ? d.willRetry
          ? t('facturx.retrying', { attempt: d.attempts, max: d.maxAttempts })
          : t('facturx.failedDetail', { attempt: d.attempts })
        : '';
  return (
    <span data-testid="delivery" data-status={d.status}>
      <Badge kind={d.status === 'sent' ? 'state-ok' : d.status === 'failed' ? 'state-critical' : 'state-warning'}>{t(`facturx.status.${d.status}`)}</Badge>
      {detail && <div class="muted small">{detail}</div>}
      {staff && d.status !== 'sent' && d.error && <div class="muted small">{d.error}</div>}
    </span>
  );
}

/** Staff: mail the invoice now (its pending, failed or skipped sending), or once more when already sent. */
export function SendInvoiceButton({ id, delivery, onDone }: { id: number; delivery: InvoiceDelivery | undefined; onDone: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const again = delivery?.status === 'sent';
  return (
    <>
      <button
        type="button"
        class="secondary small"
        data-testid="send-invoice"
        onClick={async () => {
          setError(null);
          try {
            await api(`/api/v1/billing/invoices/${id}/send`, { body: again ? { again: true } : {} });
            onDone();
          } catch (err) {
            setError(errorText(err));
          }
        }}
      >
        {again ? t('facturx.sendAgain') : t('facturx.send')}
      </button>
      {error && (
        <span class="error small" role="alert">
          {error}
        </span>
      )}
    </>
  );
}
