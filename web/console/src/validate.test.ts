import { describe, expect, it } from 'vitest';
import { formatCents, validateOrder, type OrderInput } from './validate';

const good: OrderInput = { customerId: 'cust-1', region: 'eu-west', lines: [{ sku: 'SKU-1', quantity: '2', unitPrice: '12.50' }] };

describe('validateOrder', () => {
  it('builds the request body from valid input', () => {
    expect(validateOrder(good)).toEqual({
      errors: {},
      order: { customer_id: 'cust-1', region: 'eu-west', items: [{ sku: 'SKU-1', quantity: 2, unit_price_cents: 1250 }] },
    });
  });

  it.each<[string, Partial<OrderInput>, Record<string, string>]>([
    ['empty customer', { customerId: ' ' }, { customer_id: 'Enter a customer id.' }],
    ['bad customer', { customerId: 'cust 1!' }, { customer_id: "Use 1-64 letters, digits, '_' or '-'." }],
    ['empty region', { region: '' }, { region: 'Enter a region.' }],
    ['upper-case region', { region: 'EU-West' }, { region: "Use lower-case letters, digits and '-' (e.g. eu-west)." }],
    ['no lines', { lines: [] }, { items: 'Add at least one line.' }],
    [
      'bad line',
      { lines: [{ sku: '', quantity: '0', unitPrice: '1.234' }] },
      {
        'items[0].sku': 'Enter a SKU.',
        'items[0].quantity': 'A whole number from 1 to 1000.',
        'items[0].unit_price_cents': 'A price such as 12.50 (at most 100000).',
      },
    ],
    ['too many', { lines: [{ sku: 'A', quantity: '1001', unitPrice: '1' }] }, { 'items[0].quantity': 'A whole number from 1 to 1000.' }],
  ])('reports %s', (_name, patch, errors) => {
    const r = validateOrder({ ...good, ...patch });
    expect(r.errors).toEqual(errors);
    expect(r.order).toBeUndefined();
  });
});

describe('formatCents', () => {
  it('prints two decimals', () => {
    expect(formatCents(123456)).toBe('€1,234.56');
  });
});
