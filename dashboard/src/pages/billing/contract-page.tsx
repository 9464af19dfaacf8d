import type { ClientList, ContractView as ContractData, RevisionProposal } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useConfirm } from '../../components/confirm.js';
import { Async, Empty, KeyValues, NotFound, Section } from '../../components/ui.js';
import { errorText } from '../../error-text.js';
import { fmt, parisToday, t } from '../../i18n/i18n.js';
import { href } from '../../router.js';
import type { User } from '../../session.js';
import { useApi } from '../../use-api.js';
import { ContractForm } from './contract-form.js';
import { AmendmentForm, NoticeForm } from './notice-amendment.js';
import { SupplyOrders } from './orders.js';
import { Pickups } from './pickups.js';
import { GridTable } from './price-grid.js';
import { SyntecForm } from './rates.js';
import { RecurringSection } from './recurring.js';

type Contract = ContractData;

/** A client's billing as a technician follows it: the contract and its price grids, next year's revision, supply orders and DEEE pickups. */
export function ClientBillingPage({ clientId, user }: { clientId: number; user: User }) {
  const clients = useApi<ClientList>('/api/v1/clients');
  const contract = useApi<Contract>(`/api/v1/billing/clients/${clientId}/contract`);
  const name = clients.data?.clients.find((c) => c.id === clientId)?.name;
  const [editing, setEditing] = useState(false);
  const admin = user.role === 'admin';
  if (clients.data && !name) return <NotFound />;
  return (
    <>
      <p>
        <a href={href(`/clients/${clientId}`)}>{t('app.back')}</a>
      </p>
      <div class="page-head">
        <h1 data-testid="billing-client">{t('billing.clientTitle', { client: name ?? '' })}</h1>
        <a href={href(`/billing?clientId=${clientId}`)}>{t('billing.clientInvoices')}</a>
      </div>
      {contract.error?.status === 404 ? (
        <Section title={t('billing.contract')}>
          <Empty text={t('billing.noContract')} />
          {admin && <ContractForm clientId={clientId} onDone={contract.reload} />}
        </Section>
      ) : (
        <Async state={contract}>
          {(c) => (
            <>
              <ContractView c={c} />
              {admin && (
                <div class="row">
                  <button type="button" class="secondary small" onClick={() => setEditing(!editing)}>
                    {t('billing.editContract')}
                  </button>
                </div>
              )}
              {editing && (
                <ContractForm
                  clientId={clientId}
                  existing={c}
                  onDone={() => {
                    setEditing(false);
                    contract.reload();
                  }}
                />
              )}
              {admin && !c.ended && <NoticeForm clientId={clientId} received={c.notice !== null} onDone={contract.reload} />}
              <Grids c={c} />
              {admin && !c.ended && <AmendmentForm clientId={clientId} current={c.currentGrid?.grid ?? null} onDone={contract.reload} />}
              <Revision clientId={clientId} user={user} onApplied={contract.reload} />
            </>
          )}
        </Async>
      )}
      {contract.data && <RecurringSection clientId={clientId} />}
      <SupplyOrders clientId={clientId} />
      <Pickups clientId={clientId} />
    </>
  );
}

/** Contract 6: a term of `termMonths`, renewed tacitly, ended by a notice of at least three months. */
function ContractView({ c }: { c: Contract }) {
  return (
    <Section title={t('billing.contract')}>
      <div class="grid-2">
        <KeyValues
          rows={[
            ['billing.startDate', fmt.day(c.startDate)],
            ['billing.term', t('billing.termValue', { months: c.termMonths })],
            [
              'billing.currentTerm',
              <span data-testid="current-term">{t('billing.termDates', { from: fmt.day(c.currentTerm.start), to: fmt.day(c.currentTerm.end) })}</span>,
            ],
            ['billing.renewals', <span data-testid="renewals">{c.tacitRenewals}</span>],
            ['billing.notice', t('billing.noticeMonths', { months: c.noticeMonths })],
            [
              'billing.noticeState',
              c.notice ? (
                <span data-testid="notice-state">
                  {t('billing.noticeReceived', {
                    date: fmt.day(c.notice.receivedOn),
                    from: t(`billing.party.${c.notice.from}`),
                    end: fmt.day(c.notice.endDate),
                  })}
                </span>
              ) : (
                t('billing.noNotice')
              ),
            ],
          ]}
        />
        <KeyValues
          rows={[
            ['billing.buyer', <span data-testid="buyer">{[c.buyer.name, ...c.buyer.address].join(', ')}</span>],
            ['field.legalForm', c.buyer.legalForm],
            ['billing.siren', c.buyer.siren],
            ['field.siret', <span data-testid="buyer-siret">{c.buyer.siret}</span>],
            ['billing.vatNumber', c.buyer.vatNumber],
            ['field.rcs', c.buyer.rcs],
            ['billing.vat', fmt.pct(c.vatRateBp / 100)],
            ['billing.paymentTerms', t('billing.paymentDays', { days: c.paymentDays })],
            ['field.paymentMethod', <span data-testid="payment-method-shown">{t(`billing.method.${c.paymentMethod}`)}</span>],
            [
              'billing.s0Title',
              c.grids[0] ? (
                <span data-testid="s0-shown">
                  {c.grids[0].syntecIndexDate
                    ? t('billing.s0Value', { value: fmt.number(c.grids[0].syntecIndex), date: fmt.day(c.grids[0].syntecIndexDate) })
                    : fmt.number(c.grids[0].syntecIndex)}
                </span>
              ) : (
                ''
              ),
            ],
            ['billing.recipients', <span data-testid="recipients">{c.recipients.join(', ')}</span>],
          ]}
        />
      </div>
    </Section>
  );
}

/** Every grid the contract has known, with the dates it applies between. */
function Grids({ c }: { c: Contract }) {
  return (
    <Section title={t('billing.grids')}>
      <div class="stack" data-testid="grids">
        {[...c.grids].reverse().map((g) => (
          <div class="grid-block" data-grid={g.validFrom}>
            <p>
              <strong>
                {g.validTo
                  ? t('billing.validBetween', { from: fmt.day(g.validFrom), to: fmt.day(g.validTo) })
                  : t('billing.validSince', { from: fmt.day(g.validFrom) })}
              </strong>{' '}
              <span class="muted small">
                {t(`billing.reason.${g.reason}`)} · {t('billing.syntecRef', { value: fmt.number(g.syntecIndex) })}
                {g.syntecIndexDate ? ` (${fmt.day(g.syntecIndexDate)})` : ''}
                {c.currentGrid?.id === g.id ? ` · ${t('billing.inForce')}` : ''}
              </span>
            </p>
            <GridTable grid={g.grid} />
          </div>
        ))}
      </div>
    </Section>
  );
}

/** Contract 5.2: the grid proposed for the next 1 January, every price at its cap (Syntec S1/S0 + 1 point), and applying it. */
function Revision({ clientId, user, onApplied }: { clientId: number; user: User; onApplied: () => void }) {
  const validFrom = `${Number(parisToday().slice(0, 4)) + 1}-01-01`;
  const proposal = useApi<RevisionProposal>(`/api/v1/billing/clients/${clientId}/revision?validFrom=${validFrom}`);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const admin = user.role === 'admin';
  const [dialog, confirm] = useConfirm();
  return (
    <Section title={t('billing.revision', { date: fmt.day(validFrom) })}>
      {dialog}
      {proposal.error ? (
        <>
          <p class="muted" data-testid="revision-unavailable">
            {errorText(proposal.error)}
          </p>
          {admin && proposal.error.status !== 409 && <SyntecForm onDone={proposal.reload} />}
        </>
      ) : (
        <Async state={proposal}>
          {(p) => (
            <div class="stack" data-testid="revision">
              <p>
                {t('billing.revisionBasis', {
                  s0: fmt.number(p.s0),
                  s1: fmt.number(p.s1),
                  date: fmt.day(p.s1PublishedOn),
                  ratio: fmt.pct(Math.round((p.ratio - 1) * 10000) / 100),
                })}
              </p>
              <GridTable grid={p.proposedGrid} before={p.currentGrid} testId="proposed-grid" />
              {admin && (
                <div>
                  <button
                    type="button"
                    onClick={async () => {
                      const ok = await confirm(
                        t('confirm.revision.title', { date: fmt.day(p.validFrom) }),
                        <p>
                          {t('confirm.revision.body', {
                            date: fmt.day(p.validFrom),
                            ratio: fmt.pct(Math.round((p.ratio - 1) * 10000) / 100),
                            s0: fmt.number(p.s0),
                            s1: fmt.number(p.s1),
                          })}
                        </p>,
                        t('billing.applyRevision'),
                      );
                      if (!ok) return;
                      try {
                        await api(`/api/v1/billing/clients/${clientId}/revision`, { body: { validFrom: p.validFrom, grid: p.proposedGrid } });
                        setMessage({ ok: true, text: t('billing.revisionApplied', { date: fmt.day(p.validFrom) }) });
                        onApplied();
                        proposal.reload();
                      } catch (err) {
                        setMessage({ ok: false, text: errorText(err) });
                      }
                    }}
                  >
                    {t('billing.applyRevision')}
                  </button>
                </div>
              )}
            </div>
          )}
        </Async>
      )}
      {message && (
        <p class={message.ok ? 'success' : 'error'} data-testid="revision-message">
          {message.text}
        </p>
      )}
    </Section>
  );
}
