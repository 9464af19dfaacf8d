import type { Order, OrderList, SuppliedItemList } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Async, Badge, Empty, Section } from '../../components/ui.js';
import { errorText } from '../../error-text.js';
import { fmt, parisToday, parseScaled, t } from '../../i18n/i18n.js';
import { useApi } from '../../use-api.js';

/** Contract 2.4: supply orders (with their handling fee), their delivery with each item's serial, which puts them in the inventory. */
export function SupplyOrders({ clientId }: { clientId: number }) {
  const orders = useApi<OrderList>(`/api/v1/billing/orders?clientId=${clientId}`);
  const items = useApi<SuppliedItemList>(`/api/v1/billing/supplied-items?clientId=${clientId}`);
  const [delivering, setDelivering] = useState<number | null>(null);
  const [creating, setCreating] = useState(false);
  const [cancelError, setCancelError] = useState<string | null>(null);
  const reload = () => {
    orders.reload();
    items.reload();
  };
  return (
    <Section
      title={t('orders.title')}
      actions={
        <button type="button" class="small" onClick={() => setCreating(!creating)}>
          {t('orders.new')}
        </button>
      }
    >
      {cancelError && (
        <p class="error" role="alert">
          {cancelError}
        </p>
      )}
      {creating && (
        <OrderForm
          clientId={clientId}
          onDone={() => {
            setCreating(false);
            reload();
          }}
        />
      )}
      <Async state={orders}>
        {(r) =>
          r.orders.length === 0 ? (
            <Empty text={t('orders.none')} />
          ) : (
            <table class="table" data-testid="orders">
              <thead>
                <tr>
                  <th>{t('orders.ordered')}</th>
                  <th>{t('orders.supplier')}</th>
                  <th>{t('orders.lines')}</th>
                  <th class="num">{t('orders.fee')}</th>
                  <th>{t('invoices.status')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {[...r.orders].reverse().map((o) => {
                  const delivered = items.data?.items.filter((i) => i.order_id === o.id) ?? [];
                  return (
                    <>
                      <tr data-order={o.reference || String(o.id)}>
                        <td>{fmt.day(o.ordered_on)}</td>
                        <td>
                          {o.supplier} {o.reference ? <span class="muted mono small">{o.reference}</span> : null}
                        </td>
                        <td>
                          <ul class="plain small">
                            {o.lines.map((l) => (
                              <li>
                                {l.quantity} × {l.description} · {fmt.money(l.unit_price_cents)} · {t('orders.warrantyMonths', { months: l.warranty_months })}
                              </li>
                            ))}
                          </ul>
                          {delivered.length > 0 && (
                            <ul class="plain small" data-testid="delivered-items">
                              {delivered.map((i) => (
                                <li>
                                  {i.description} · <span class="mono">{i.serial ?? t('orders.noSerial')}</span> ·{' '}
                                  {t('orders.warrantyEnd', { date: fmt.day(i.warranty_end) })}
                                </li>
                              ))}
                            </ul>
                          )}
                        </td>
                        <td class="num" title={o.fee_rule}>
                          {fmt.money(o.fee_amount_cents)}
                        </td>
                        <td data-testid="order-status">
                          <Badge kind={o.status === 'delivered' ? 'state-ok' : o.status === 'cancelled' ? 'state-offline' : 'state-warning'}>
                            {o.status === 'delivered' ? t('orders.deliveredOn', { date: fmt.day(o.delivered_on) }) : t(`orders.status.${o.status}`)}
                          </Badge>
                        </td>
                        <td class="actions">
                          {o.status === 'ordered' && (
                            <>
                              <button type="button" class="secondary small" onClick={() => setDelivering(delivering === o.id ? null : o.id)}>
                                {t('orders.deliver')}
                              </button>{' '}
                              <button
                                type="button"
                                class="secondary small"
                                onClick={async () => {
                                  setCancelError(null);
                                  try {
                                    await api(`/api/v1/billing/orders/${o.id}/cancel`, { body: {} });
                                  } catch (err) {
                                    // A refused cancellation is said, not lost: the order stays as it was.
                                    setCancelError(errorText(err));
                                  }
                                  reload();
                                }}
                              >
                                {t('orders.cancel')}
                              </button>
                            </>
                          )}
                        </td>
                      </tr>
                      {delivering === o.id && (
                        <tr>
                          <td colSpan={6}>
                            <DeliveryForm
                              order={o}
                              onDone={() => {
                                setDelivering(null);
                                reload();
                              }}
                            />
                          </td>
                        </tr>
                      )}
                    </>
                  );
                })}
              </tbody>
            </table>
          )
        }
      </Async>
    </Section>
  );
}

interface LineDraft {
  description: string;
  price: string;
  quantity: string;
  warranty: string;
}

function OrderForm({ clientId, onDone }: { clientId: number; onDone: () => void }) {
  const [supplier, setSupplier] = useState('');
  const [reference, setReference] = useState('');
  const [orderedOn, setOrderedOn] = useState(parisToday());
  const [lines, setLines] = useState<LineDraft[]>([{ description: '', price: '', quantity: '1', warranty: '12' }]);
  const [error, setError] = useState<string | null>(null);
  const setLine = (i: number, k: keyof LineDraft, v: string) => setLines(lines.map((l, j) => (j === i ? { ...l, [k]: v } : l)));
  const parsed = lines.map((l) => ({
    description: l.description.trim(),
    unitPriceCents: parseScaled(l.price, 2),
    quantity: Number(l.quantity),
    warrantyMonths: Number(l.warranty),
  }));
  const valid = supplier.trim() && parsed.every((l) => l.description && l.unitPriceCents !== undefined && Number.isInteger(l.quantity) && l.quantity > 0);
  return (
    <form
      class="stack order-form"
      data-testid="order-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        try {
          await api(`/api/v1/billing/clients/${clientId}/orders`, { body: { supplier, ...(reference.trim() ? { reference } : {}), orderedOn, lines: parsed } });
          onDone();
        } catch (err) {
          setError(errorText(err));
        }
      }}
    >
      <div class="row wrap">
        <label>
          {t('orders.supplier')}
          <input type="text" required value={supplier} onInput={(e) => setSupplier((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          {t('orders.reference')}
          <input type="text" value={reference} onInput={(e) => setReference((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          {t('orders.ordered')}
          <input type="date" required value={orderedOn} onInput={(e) => setOrderedOn((e.currentTarget as HTMLInputElement).value)} />
        </label>
      </div>
      {lines.map((l, i) => (
        <div class="row wrap" data-line={i}>
          <label class="grow">
            {t('supplied.description')}
            <input type="text" required value={l.description} onInput={(e) => setLine(i, 'description', (e.currentTarget as HTMLInputElement).value)} />
          </label>
          <label>
            {t('orders.unitPrice')}
            <input type="text" inputMode="decimal" required value={l.price} onInput={(e) => setLine(i, 'price', (e.currentTarget as HTMLInputElement).value)} />
          </label>
          <label>
            {t('orders.quantity')}
            <input
              type="number"
              min="1"
              max="1000"
              required
              value={l.quantity}
              onInput={(e) => setLine(i, 'quantity', (e.currentTarget as HTMLInputElement).value)}
            />
          </label>
          <label>
            {t('orders.warranty')}
            <input type="number" min="0" max="120" value={l.warranty} onInput={(e) => setLine(i, 'warranty', (e.currentTarget as HTMLInputElement).value)} />
          </label>
          {lines.length > 1 && (
            <button type="button" class="secondary small" onClick={() => setLines(lines.filter((_, j) => j !== i))}>
              {t('policy.removeItem')}
            </button>
          )}
        </div>
      ))}
      <div class="row">
        <button type="button" class="secondary small" onClick={() => setLines([...lines, { description: '', price: '', quantity: '1', warranty: '12' }])}>
          {t('orders.addLine')}
        </button>
        <button type="submit" disabled={!valid}>
          {t('orders.create')}
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** One row per item delivered (a line of 3 is 3 items), each with its serial number. */
function DeliveryForm({ order, onDone }: { order: Order; onDone: () => void }) {
  const [deliveredOn, setDeliveredOn] = useState(parisToday());
  const units = order.lines.flatMap((l) => Array.from({ length: l.quantity }, (_, n) => ({ line: l, n })));
  const [serials, setSerials] = useState<string[]>(units.map(() => ''));
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      class="stack"
      data-testid="delivery-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        try {
          await api(`/api/v1/billing/orders/${order.id}/deliver`, {
            body: { deliveredOn, items: units.map((u, i) => ({ lineId: u.line.id, ...(serials[i]!.trim() ? { serial: serials[i]!.trim() } : {}) })) },
          });
          onDone();
        } catch (err) {
          setError(errorText(err));
        }
      }}
    >
      <label>
        {t('orders.deliveredDate')}
        <input type="date" required value={deliveredOn} max={parisToday()} onInput={(e) => setDeliveredOn((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <div class="fields">
        {units.map((u, i) => (
          <label>
            {t('orders.serialOf', { item: u.line.description, n: u.n + 1 })}
            <input
              type="text"
              maxLength={100}
              value={serials[i]}
              onInput={(e) => setSerials(serials.map((s, j) => (j === i ? (e.currentTarget as HTMLInputElement).value : s)))}
            />
          </label>
        ))}
      </div>
      <div>
        <button type="submit">{t('orders.confirmDelivery')}</button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
