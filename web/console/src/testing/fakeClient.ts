// An in-memory OrdersClient for component tests: it keeps orders, filters
// them like orders-api does, and can be told to fail like a down API.
import { ApiError, type NewOrder, type Order, type OrdersClient } from '../api/client';

export class FakeOrders implements OrdersClient {
  orders: Order[] = [];
  down = false;
  calls: string[] = [];
  private n = 0;

  add(o: Partial<Order> & Pick<Order, 'customer_id' | 'region'>): Order {
    this.n++;
    const order: Order = {
      id: `order-${String(this.n).padStart(4, '0')}-0000-0000`,
      status: 'pending',
      items: [],
      subtotal_cents: 1000,
      discount_cents: 0,
      tax_cents: 230,
      total_cents: 1230,
      created_at: new Date(Date.UTC(2026, 2, 1, 10, this.n)).toISOString(),
      updated_at: new Date(Date.UTC(2026, 2, 1, 10, this.n)).toISOString(),
      ...o,
    };
    this.orders.unshift(order);
    return order;
  }

  private check() {
    if (this.down) {
      throw new ApiError(502, 'orders-api is unreachable: orders-api is unreachable at 127.0.0.1:8080');
    }
  }

  list: OrdersClient['list'] = async (f) => {
    this.calls.push(`list ${JSON.stringify(f)}`);
    this.check();
    const orders = this.orders.filter(
      (o) =>
        (!f.status || o.status === f.status) &&
        (!f.region || o.region === f.region) &&
        (!f.customer_id || o.customer_id === f.customer_id),
    );
    return { orders: orders.slice(0, f.limit ?? 20) };
  };

  create: OrdersClient['create'] = async (o: NewOrder, key: string) => {
    this.calls.push(`create ${key}`);
    this.check();
    const cents = (o.items ?? []).reduce((s, i) => s + i.quantity * i.unit_price_cents, 0);
    return this.add({ customer_id: o.customer_id, region: o.region, items: o.items, subtotal_cents: cents, total_cents: cents });
  };

  cancel: OrdersClient['cancel'] = async (id) => {
    this.calls.push(`cancel ${id}`);
    this.check();
    const o = this.orders.find((x) => x.id === id);
    if (!o) throw new ApiError(404, 'no such order');
    o.status = 'cancelled';
    return { ...o };
  };
}
