import type { ClientList, GenerateInvoicesResult, InvoiceList, InvoiceView } from '@vigie/shared/api';
import { monthOf, shiftMonth } from '@vigie/shared/calendar';
import { useState } from 'preact/hooks';
import { api, qs } from '../../api.js';
import { useConfirm } from '../../components/confirm.js';
import { Async, Badge, Empty, Section } from '../../components/ui.js';
import { errorText } from '../../error-text.js';
import { fmt, parisToday, parseScaled, t, tOr } from '../../i18n/i18n.js';
import { href, useHashQuery } from '../../router.js';
import type { User } from '../../session.js';
import { useApi } from '../../use-api.js';
import { CreditNoteForm, SettleDisputeForm } from './credit-notes.js';
import { DeliveryState, InvoiceFiles, SendInvoiceButton, useInvoiceDeliveries } from './invoice-files.js';
import { RatesSection } from './rates.js';
import { SellerSettings } from './seller-settings.js';

type Invoice = InvoiceView;

type Action = 'payment' | 'credit' | 'settle';

const UNPAID = new Set(['due', 'overdue', 'disputed']);
const METHODS = ['transfer', 'direct_debit', 'cheque', 'card', 'other'] as const;

/** Contract 5.1: every client's invoices with their status, balance and late-payment penalties; a month's invoicing; payments. */
export function InvoicesAdminPage({ user }: { user: User }) {
  const hq = useHashQuery();
  const clients = useApi<ClientList>('/api/v1/clients');
  const [clientId, setClientId] = useState(hq.get('clientId') ?? '');
  const [year, setYear] = useState('');
  const [filter, setFilter] = useState<'all' | 'unpaid' | 'overdue'>('all');
  const list = useApi<InvoiceList>(`/api/v1/billing/invoices${qs({ clientId, year })}`);
  const deliveries = useInvoiceDeliveries(clientId);
  const [acting, setActing] = useState<{ id: number; action: Action } | null>(null);
  const toggle = (id: number, action: Action) => setActing(acting?.id === id && acting.action === action ? null : { id, action });
  const done = () => {
    setActing(null);
    list.reload();
    deliveries.reload();
  };
  const admin = user.role === 'admin';
  const thisYear = Number(parisToday().slice(0, 4));
  const clientName = (id: number) => clients.data?.clients.find((c) => c.id === id)?.name ?? `#${id}`;
  return (
    <>
      <h1>{t('billing.title')}</h1>
      {admin && <SellerSettings />}
      {admin && (
        <Section title={t('billing.generate')}>
          <GenerateInvoices clients={clients.data?.clients ?? []} clientName={clientName} onDone={list.reload} />
        </Section>
      )}
      <Section
        title={t('invoices.title')}
        actions={
          <div class="row">
            <label>
              {t('overview.client')}
              <select aria-label={t('overview.client')} value={clientId} onChange={(e) => setClientId((e.currentTarget as HTMLSelectElement).value)}>
                <option value="">{t('reports.allClients')}</option>
                {clients.data?.clients.map((c) => (
                  <option value={String(c.id)}>{c.name}</option>
                ))}
              </select>
            </label>
            <label>
              {t('reports.year')}
              <select aria-label={t('reports.year')} value={year} onChange={(e) => setYear((e.currentTarget as HTMLSelectElement).value)}>
                <option value="">{t('app.all')}</option>
                {[0, 1, 2, 3].map((n) => (
                  <option value={String(thisYear - n)}>{thisYear - n}</option>
                ))}
              </select>
            </label>
            <label>
              {t('invoices.status')}
              <select aria-label={t('invoices.status')} value={filter} onChange={(e) => setFilter((e.currentTarget as HTMLSelectElement).value as 'all')}>
                <option value="all">{t('app.all')}</option>
                <option value="unpaid">{t('billing.unpaidOnly')}</option>
                <option value="overdue">{t('invoices.overdue')}</option>
              </select>
            </label>
          </div>
        }
      >
        <Async state={list}>
          {(r) => {
            const shown = r.invoices.filter((i) => filter === 'all' || (filter === 'unpaid' ? UNPAID.has(i.status) : i.status === 'overdue'));
            const outstanding = r.invoices.reduce((s, i) => s + (UNPAID.has(i.status) ? (i.balanceCents ?? 0) : 0), 0);
            const overdue = r.invoices.reduce((s, i) => s + (i.status === 'overdue' ? (i.balanceCents ?? 0) : 0), 0);
            if (shown.length === 0) return <Empty text={t('billing.noInvoices')} />;
            return (
              <>
                <p class="muted" data-testid="invoice-totals">
                  {t('billing.totals', { outstanding: fmt.money(outstanding), overdue: fmt.money(overdue) })}
                </p>
                <table class="table" data-testid="all-invoices">
                  <thead>
                    <tr>
                      <th>{t('invoices.number')}</th>
                      <th>{t('overview.client')}</th>
                      <th>{t('invoices.period')}</th>
                      <th>{t('invoices.due')}</th>
                      <th class="num">{t('invoices.total')}</th>
                      <th class="num">{t('billing.balance')}</th>
                      <th>{t('invoices.status')}</th>
                      <th class="num">{t('billing.penalties')}</th>
                      <th>{t('facturx.delivery')}</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((inv) => (
                      <>
                        <tr data-invoice={inv.number}>
                          <td class="mono">
                            {inv.number}
                            <div>
                              <InvoiceFiles id={inv.id} />
                            </div>
                          </td>
                          <td>
                            <a href={href(`/billing/clients/${inv.clientId}`)}>{clientName(inv.clientId)}</a>
                          </td>
                          <td>
                            {fmt.month(inv.periodStart.slice(0, 7))}
                            <div class="muted small">{t('billing.issuedOn', { date: fmt.day(inv.issuedOn) })}</div>
                          </td>
                          <td>{inv.kind === 'invoice' ? fmt.day(inv.effectiveDueOn ?? inv.dueOn) : ''}</td>
                          <td class="num">{fmt.money(inv.totalInclCents)}</td>
                          <td class="num" data-testid="balance">
                            {inv.balanceCents === undefined ? '' : fmt.money(inv.balanceCents)}
                          </td>
                          <td data-testid="status">
                            <Badge kind={`inv-${inv.status}`}>{tOr(`billing.status.${inv.status}`, inv.status)}</Badge>
                          </td>
                          <td class="num" data-testid="penalty">
                            <Penalty inv={inv} />
                          </td>
                          <td data-testid="delivery-cell">
                            <DeliveryState delivery={deliveries.byInvoice.get(inv.id)} staff />
                            {admin && <SendInvoiceButton id={inv.id} delivery={deliveries.byInvoice.get(inv.id)} onDone={deliveries.reload} />}
                          </td>
                          <td class="actions">
                            {admin && inv.kind === 'invoice' && (inv.balanceCents ?? 0) > 0 && (
                              <button type="button" class="secondary small" onClick={() => toggle(inv.id, 'payment')}>
                                {t('billing.recordPayment')}
                              </button>
                            )}
                            {admin && inv.kind === 'invoice' && inv.status !== 'cancelled' && (
                              <button type="button" class="secondary small" onClick={() => toggle(inv.id, 'credit')}>
                                {t('billing.creditNote')}
                              </button>
                            )}
                            {admin && openDispute(inv) && (
                              <button type="button" class="secondary small" onClick={() => toggle(inv.id, 'settle')}>
                                {t('billing.settle')}
                              </button>
                            )}
                          </td>
                        </tr>
                        {(inv.payments?.length ?? 0) > 0 && (
                          <tr class="sub">
                            <td colSpan={10} class="muted small" data-testid="payments">
                              {inv.payments!.map((p) => (
                                <span class="chip">
                                  {t('billing.paymentLine', {
                                    date: fmt.day(p.paidOn),
                                    amount: fmt.money(p.amountCents),
                                    method: t(`billing.method.${p.method as 'other'}`),
                                  })}
                                  {p.reference ? ` · ${p.reference}` : ''}
                                </span>
                              ))}
                            </td>
                          </tr>
                        )}
                        {acting?.id === inv.id && (
                          <tr>
                            <td colSpan={10}>
                              {acting.action === 'payment' && <PaymentForm inv={inv} onDone={done} />}
                              {acting.action === 'credit' && (
                                <CreditNoteForm invoiceId={inv.id} number={inv.number} totalInclCents={inv.totalInclCents} onDone={done} />
                              )}
                              {acting.action === 'settle' && openDispute(inv) && <SettleDisputeForm dispute={openDispute(inv)!} onDone={done} />}
                            </td>
                          </tr>
                        )}
                      </>
                    ))}
                  </tbody>
                </table>
              </>
            );
          }}
        </Async>
      </Section>
      <RatesSection user={user} />
    </>
  );
}

const openDispute = (inv: Invoice) => inv.disputes?.find((d) => d.settledOn === null);

/** Contract 5.1: interest at the ECB rate + 10 points from the first late day, and the 40 € recovery indemnity. */
function Penalty({ inv }: { inv: Invoice }) {
  if (inv.penaltyNote) return <span class="muted small">{inv.penaltyNote}</span>;
  const p = inv.penalty;
  if (!p || p.daysLate === 0) return <span class="muted">—</span>;
  return (
    <>
      <strong>{fmt.money(p.totalCents)}</strong>
      <div class="muted small">
        {t('billing.penaltyDetail', { days: p.daysLate, interest: fmt.money(p.interestCents), indemnity: fmt.money(p.indemnityCents) })}
      </div>
    </>
  );
}

function PaymentForm({ inv, onDone }: { inv: Invoice; onDone: () => void }) {
  const [paidOn, setPaidOn] = useState(parisToday());
  const [amount, setAmount] = useState(fmt.money(inv.balanceCents ?? 0).replace(/\s?€$/, ''));
  const [method, setMethod] = useState<(typeof METHODS)[number]>('transfer');
  const [reference, setReference] = useState('');
  const [error, setError] = useState<string | null>(null);
  const cents = parseScaled(amount, 2);
  return (
    <form
      class="row wrap"
      data-testid="payment-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        try {
          await api(`/api/v1/billing/invoices/${inv.id}/payments`, {
            body: { paidOn, amountCents: cents, method, ...(reference.trim() ? { reference } : {}) },
          });
          onDone();
        } catch (err) {
          setError(errorText(err));
        }
      }}
    >
      <label>
        {t('billing.paidOn')}
        <input type="date" required value={paidOn} max={parisToday()} onInput={(e) => setPaidOn((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <label>
        {t('billing.amount')}
        <input type="text" inputMode="decimal" required value={amount} onInput={(e) => setAmount((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <label>
        {t('billing.method')}
        <select aria-label={t('billing.method')} value={method} onChange={(e) => setMethod((e.currentTarget as HTMLSelectElement).value as 'transfer')}>
          {METHODS.map((m) => (
            <option value={m}>{t(`billing.method.${m}`)}</option>
          ))}
        </select>
      </label>
      <label class="grow">
        {t('billing.reference')}
        <input type="text" maxLength={200} value={reference} onInput={(e) => setReference((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <button type="submit" disabled={!cents || cents <= 0}>
        {t('billing.savePayment')}
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** Contract 5.1: the month's invoices, issued after the month ends, for every client with a contract or one. */
function GenerateInvoices({
  clients,
  clientName,
  onDone,
}: {
  clients: { id: number; name: string }[];
  clientName: (id: number) => string;
  onDone: () => void;
}) {
  const [month, setMonth] = useState(shiftMonth(monthOf(parisToday()), -1));
  const [clientId, setClientId] = useState('');
  const [results, setResults] = useState<{ clientId: number; number?: string; error?: string }[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dialog, confirm] = useConfirm();
  return (
    <>
      {dialog}
      <form
        class="row wrap"
        data-testid="generate-invoices"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          const ok = await confirm(
            t('confirm.invoices.title', { month: fmt.month(month) }),
            <>
              <p>
                {clientId
                  ? t('confirm.invoices.one', { month: fmt.month(month), client: clientName(Number(clientId)) })
                  : t('confirm.invoices.all', { month: fmt.month(month) })}
              </p>
              <p>{t('confirm.invoices.final')}</p>
            </>,
            t('billing.generateButton'),
          );
          if (!ok) return;
          try {
            const r = await api<GenerateInvoicesResult>('/api/v1/billing/invoices/generate', {
              body: { month, ...(clientId ? { clientId: Number(clientId) } : {}) },
            });
            setResults(r.results);
            onDone();
          } catch (err) {
            setError(errorText(err));
          }
        }}
      >
        <label>
          {t('finance.month')}
          <input type="month" required value={month} onInput={(e) => setMonth((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          {t('overview.client')}
          <select aria-label={t('overview.client')} value={clientId} onChange={(e) => setClientId((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">{t('billing.allContracts')}</option>
            {clients.map((c) => (
              <option value={String(c.id)}>{c.name}</option>
            ))}
          </select>
        </label>
        <button type="submit">{t('billing.generateButton')}</button>
      </form>
      {error && <p class="error">{error}</p>}
      {results && (
        <ul class="plain" data-testid="generate-results">
          {results.map((r) => (
            <li>
              {clientName(r.clientId)} ·{' '}
              {r.error ? (
                <span class="text-critical">{r.error}</span>
              ) : r.number ? (
                <span class="mono">{r.number}</span>
              ) : (
                <span class="muted">{t('billing.nothingToInvoice')}</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
