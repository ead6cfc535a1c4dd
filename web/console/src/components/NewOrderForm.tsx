import { useRef, useState, type FormEvent } from 'react';
import { ApiError, type NewOrder, type Order } from '../api/client';
import { MAX_LINES, validateOrder, type Errors, type LineInput, type OrderInput } from '../validate';

/** REGIONS are offered as suggestions; orders-api (pricing) decides which exist. */
export const REGIONS = ['eu-central', 'eu-west', 'us-east', 'us-west', 'ap-south'];

export interface NewOrderFormProps {
  /** create sends the order; the key makes a retried submit create it once. */
  create: (order: NewOrder, idempotencyKey: string) => Promise<Order>;
  onCreated: (o: Order) => void;
}

const emptyLine = (): LineInput => ({ sku: '', quantity: '1', unitPrice: '' });
const emptyInput = (): OrderInput => ({ customerId: '', region: '', lines: [emptyLine()] });

function newKey(): string {
  return globalThis.crypto?.randomUUID?.() ?? `console-${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** NewOrderForm creates an order, checking each field before sending. */
export function NewOrderForm({ create, onCreated }: NewOrderFormProps) {
  const [input, setInput] = useState<OrderInput>(emptyInput);
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  // One key per order the person means to create: a retry after a lost
  // answer sends the same key, so orders-api does not create a second one.
  const key = useRef(newKey());

  const change = (next: OrderInput) => {
    setInput(next);
    key.current = newKey();
  };
  const setLine = (i: number, patch: Partial<LineInput>) =>
    change({ ...input, lines: input.lines.map((l, j) => (j === i ? { ...l, ...patch } : l)) });

  async function submit(ev: FormEvent) {
    ev.preventDefault();
    setFormError(undefined);
    const { errors, order } = validateOrder(input);
    setErrors(errors);
    if (!order) {
      return;
    }
    setBusy(true);
    try {
      const created = await create(order, key.current);
      setInput(emptyInput());
      key.current = newKey();
      onCreated(created);
    } catch (e) {
      if (e instanceof ApiError && Object.keys(e.fieldErrors).length > 0) {
        setErrors(e.fieldErrors);
        setFormError(e.message);
      } else {
        setFormError(e instanceof Error ? e.message : String(e));
      }
    } finally {
      setBusy(false);
    }
  }

  const field = (name: string) => ({
    id: `f-${name}`,
    'aria-invalid': errors[name] ? true : undefined,
    'aria-describedby': errors[name] ? `err-${name}` : undefined,
  });
  const msg = (name: string) =>
    errors[name] ? (
      <span id={`err-${name}`} className="field-error">
        {errors[name]}
      </span>
    ) : null;

  return (
    <form className="new-order" onSubmit={submit} noValidate aria-label="New order">
      <h2>New order</h2>
      <div className="row">
        <div className="field">
          <label htmlFor="f-customer_id">Customer id</label>
          <input
            name="customer_id"
            value={input.customerId}
            onChange={(e) => change({ ...input, customerId: e.target.value })}
            placeholder="cust-42"
            {...field('customer_id')}
          />
          {msg('customer_id')}
        </div>
        <div className="field">
          <label htmlFor="f-region">Region</label>
          <input
            name="region"
            list="regions"
            value={input.region}
            onChange={(e) => change({ ...input, region: e.target.value })}
            placeholder="eu-west"
            {...field('region')}
          />
          <datalist id="regions">
            {REGIONS.map((r) => (
              <option key={r} value={r} />
            ))}
          </datalist>
          {msg('region')}
        </div>
      </div>
      <fieldset>
        <legend>Lines</legend>
        {input.lines.map((l, i) => (
          <div className="row line" key={i}>
            <div className="field">
              <label htmlFor={`f-items[${i}].sku`}>SKU</label>
              <input
                name={`items[${i}].sku`}
                value={l.sku}
                onChange={(e) => setLine(i, { sku: e.target.value.toUpperCase() })}
                placeholder="SKU-1"
                {...field(`items[${i}].sku`)}
              />
              {msg(`items[${i}].sku`)}
            </div>
            <div className="field">
              <label htmlFor={`f-items[${i}].quantity`}>Quantity</label>
              <input
                name={`items[${i}].quantity`}
                inputMode="numeric"
                value={l.quantity}
                onChange={(e) => setLine(i, { quantity: e.target.value })}
                {...field(`items[${i}].quantity`)}
              />
              {msg(`items[${i}].quantity`)}
            </div>
            <div className="field">
              <label htmlFor={`f-items[${i}].unit_price_cents`}>Unit price (EUR)</label>
              <input
                name={`items[${i}].unit_price`}
                inputMode="decimal"
                value={l.unitPrice}
                onChange={(e) => setLine(i, { unitPrice: e.target.value })}
                placeholder="12.50"
                {...field(`items[${i}].unit_price_cents`)}
              />
              {msg(`items[${i}].unit_price_cents`)}
            </div>
            {input.lines.length > 1 && (
              <button
                type="button"
                className="link"
                onClick={() => change({ ...input, lines: input.lines.filter((_, j) => j !== i) })}
              >
                Remove
              </button>
            )}
          </div>
        ))}
        {msg('items')}
        {input.lines.length < MAX_LINES && (
          <button type="button" className="link" onClick={() => change({ ...input, lines: [...input.lines, emptyLine()] })}>
            Add a line
          </button>
        )}
      </fieldset>
      {formError && (
        <p className="field-error" role="alert">
          {formError}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create order'}
      </button>
    </form>
  );
}
