import { describe, expect, it } from 'vitest';
import { ApiError, createOrdersClient } from './client';

type Handler = (req: Request) => Response | Promise<Response>;

function fakeApi(handler: Handler) {
  const seen: Request[] = [];
  const fetch = async (input: RequestInfo | URL) => {
    const req = input as Request;
    seen.push(req.clone());
    return handler(req);
  };
  return { seen, fetch: fetch as typeof globalThis.fetch };
}

const json = (status: number, body: unknown, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });

const order = {
  id: 'o-1', customer_id: 'cust-1', region: 'eu-west', status: 'pending', items: [],
  subtotal_cents: 1000, discount_cents: 0, tax_cents: 230, total_cents: 1230,
  created_at: '2026-03-01T10:00:00Z', updated_at: '2026-03-01T10:00:00Z',
};

describe('createOrdersClient', () => {
  it('sends the bearer token and only the filters that are set', async () => {
    const api = fakeApi(() => json(200, { orders: [order] }));
    const c = createOrdersClient({ baseUrl: 'http://console.test/api', token: () => 'tok-1', fetch: api.fetch });
    const page = await c.list({ status: 'pending', region: '', customer_id: undefined, limit: 50 });
    expect(page.orders).toHaveLength(1);
    const req = api.seen[0];
    expect(req.method).toBe('GET');
    const url = new URL(req.url);
    expect(url.pathname).toBe('/api/orders');
    expect(Object.fromEntries(url.searchParams)).toEqual({ status: 'pending', limit: '50' });
    expect(req.headers.get('Authorization')).toBe('Bearer tok-1');
  });

  it('sends no Authorization header without a token', async () => {
    const api = fakeApi(() => json(200, { orders: [] }));
    const c = createOrdersClient({ baseUrl: 'http://console.test/api', token: () => undefined, fetch: api.fetch });
    await c.list({});
    expect(api.seen[0].headers.has('Authorization')).toBe(false);
  });

  it('creates with the idempotency key and the JSON body', async () => {
    const api = fakeApi(() => json(201, order));
    const c = createOrdersClient({ baseUrl: 'http://console.test/api', token: () => 't', fetch: api.fetch });
    const body = { customer_id: 'cust-1', region: 'eu-west', items: [{ sku: 'A-1', quantity: 2, unit_price_cents: 500 }] };
    await expect(c.create(body, 'key-1')).resolves.toMatchObject({ id: 'o-1' });
    const req = api.seen[0];
    expect(req.method).toBe('POST');
    expect(req.headers.get('Idempotency-Key')).toBe('key-1');
    expect(await req.json()).toEqual(body);
  });

  it('cancels by id', async () => {
    const api = fakeApi(() => json(200, { ...order, status: 'cancelled' }));
    const c = createOrdersClient({ baseUrl: 'http://console.test/api', token: () => 't', fetch: api.fetch });
    await expect(c.cancel('o/1')).resolves.toMatchObject({ status: 'cancelled' });
    expect(new URL(api.seen[0].url).pathname).toBe('/api/orders/o%2F1/cancel');
  });

  it('turns a problem into an ApiError with field errors', async () => {
    const problem = {
      title: 'Unprocessable Entity', status: 422, detail: 'validation failed',
      errors: [{ location: 'body.items[0].sku', message: 'expected string to match pattern' }],
    };
    const api = fakeApi(() => json(422, problem, 'application/problem+json'));
    const c = createOrdersClient({ baseUrl: 'http://console.test/api', token: () => 't', fetch: api.fetch });
    const err = await c.create({ customer_id: 'c', region: 'r', items: [] }, 'k').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.message).toBe('validation failed');
    expect(err.unavailable).toBe(false);
    expect(err.fieldErrors).toEqual({ 'items[0].sku': 'expected string to match pattern' });
  });

  it('says unauthenticated on 401', async () => {
    const api = fakeApi(() => json(401, { title: 'Unauthorized', status: 401, detail: 'token expired' }, 'application/problem+json'));
    const c = createOrdersClient({ baseUrl: 'http://console.test/api', token: () => 't', fetch: api.fetch });
    const err = await c.list({}).catch((e) => e);
    expect(err.unauthenticated).toBe(true);
    expect(err.message).toBe('token expired');
  });

  it.each([
    ['a refused connection', () => Promise.reject(new TypeError('Failed to fetch')), 0],
    ['the proxy 502 problem', () => json(502, { title: 'Bad Gateway', status: 502, detail: 'orders-api is unreachable at 127.0.0.1:8080' }, 'application/problem+json'), 502],
    ['a bare 503 page', () => new Response('<html>busy</html>', { status: 503, headers: { 'Content-Type': 'text/html' } }), 503],
  ])('says unavailable on %s', async (_name, handler, status) => {
    const api = fakeApi(handler as Handler);
    const c = createOrdersClient({ baseUrl: 'http://console.test/api', token: () => 't', fetch: api.fetch });
    const err = await c.list({}).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(status);
    expect(err.unavailable).toBe(true);
    expect(err.message).toMatch(/unreachable/);
  });
});
