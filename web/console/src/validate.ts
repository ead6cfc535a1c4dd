// Client-side checks of the new-order form, mirroring the constraints of
// NewOrder and Item in the OpenAPI document, so a person sees what is wrong
// next to the field before anything is sent. orders-api checks again; its
// 422 details are shown the same way.
import type { NewOrder } from './api/client';

/** LineInput is one order line as typed: strings, not yet numbers. */
export interface LineInput {
  sku: string;
  quantity: string;
  unitPrice: string; // in currency units, e.g. "12.50"
}

/** OrderInput is the form as typed. */
export interface OrderInput {
  customerId: string;
  region: string;
  lines: LineInput[];
}

/** Errors maps a field (customer_id, region, items, items[0].sku) to a message. */
export type Errors = Record<string, string>;

const CUSTOMER = /^[A-Za-z0-9_-]{1,64}$/;
const REGION = /^[a-z0-9-]{1,32}$/;
const SKU = /^[A-Z0-9-]{1,32}$/;
const PRICE = /^\d{1,6}(\.\d{1,2})?$/;

/** MAX_LINES is the most lines an order may have. */
export const MAX_LINES = 50;

/** validateOrder returns the errors of input and, when there are none, the request body. */
export function validateOrder(input: OrderInput): { errors: Errors; order?: NewOrder } {
  const errors: Errors = {};
  const customer = input.customerId.trim();
  if (!customer) {
    errors.customer_id = 'Enter a customer id.';
  } else if (!CUSTOMER.test(customer)) {
    errors.customer_id = "Use 1-64 letters, digits, '_' or '-'.";
  }
  const region = input.region.trim();
  if (!region) {
    errors.region = 'Enter a region.';
  } else if (!REGION.test(region)) {
    errors.region = "Use lower-case letters, digits and '-' (e.g. eu-west).";
  }
  if (input.lines.length === 0) {
    errors.items = 'Add at least one line.';
  } else if (input.lines.length > MAX_LINES) {
    errors.items = `At most ${MAX_LINES} lines.`;
  }
  const items: NewOrder['items'] = [];
  input.lines.forEach((l, i) => {
    const sku = l.sku.trim();
    if (!SKU.test(sku)) {
      errors[`items[${i}].sku`] = sku ? "Use upper-case letters, digits and '-'." : 'Enter a SKU.';
    }
    const qty = Number(l.quantity);
    if (!/^\d+$/.test(l.quantity.trim()) || qty < 1 || qty > 1000) {
      errors[`items[${i}].quantity`] = 'A whole number from 1 to 1000.';
    }
    const price = l.unitPrice.trim();
    if (!PRICE.test(price) || Number(price) > 100000) {
      errors[`items[${i}].unit_price_cents`] = 'A price such as 12.50 (at most 100000).';
    }
    items.push({ sku, quantity: qty, unit_price_cents: Math.round(Number(price) * 100) });
  });
  if (Object.keys(errors).length > 0) {
    return { errors };
  }
  return { errors, order: { customer_id: customer, region, items } };
}

/** formatCents prints cents as an amount with two decimals. */
export function formatCents(cents: number, currency = 'EUR'): string {
  return new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(cents / 100);
}
