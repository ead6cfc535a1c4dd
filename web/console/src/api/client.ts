// The typed client of orders-api: openapi-fetch over the types generated
// from the committed OpenAPI document (schema.d.ts), plus what the console
// needs on top: the bearer token on every call, problem details turned into
// one error type, and "the API is down" told apart from "the API said no".
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Order = components['schemas']['Order'];
export type NewOrder = components['schemas']['NewOrder'];
export type Item = components['schemas']['Item'];
export type Page = components['schemas']['Page'];
export type Problem = components['schemas']['ErrorModel'];
export type OrderStatus = Order['status'];
export type ListFilter = NonNullable<paths['/orders']['get']['parameters']['query']>;

export const STATUSES: readonly OrderStatus[] = ['pending', 'confirmed', 'shipped', 'cancelled'];

/** shortId is the part of an order id people read: ids are UUIDv7, whose
 * first characters are a timestamp shared by orders made close together. */
export const shortId = (id: string) => id.slice(-8);

/** ApiError is a call that orders-api (or the way to it) answered with an error. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem?: Problem;

  constructor(status: number, message: string, problem?: Problem) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }

  /** unavailable: the API could not be reached; retrying later may work. */
  get unavailable(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504;
  }

  /** unauthenticated: the token is missing, expired or not accepted. */
  get unauthenticated(): boolean {
    return this.status === 401;
  }

  /** fieldErrors maps a request body field (customer_id, items[0].sku) to its message. */
  get fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem?.errors ?? []) {
      if (e.location && e.message) {
        out[e.location.replace(/^body\./, '')] = e.message;
      }
    }
    return out;
  }
}

function isProblem(v: unknown): v is Problem {
  return typeof v === 'object' && v !== null && ('title' in v || 'detail' in v);
}

/** toApiError turns an error response (or a thrown fetch) into an ApiError. */
export function toApiError(status: number, body: unknown): ApiError {
  if (isProblem(body)) {
    const text = body.detail || body.title || `HTTP ${status}`;
    const unreachable = status === 502 || status === 503 || status === 504;
    const message = unreachable && !/unreachable/i.test(text) ? `orders-api is unreachable: ${text}` : text;
    return new ApiError(status, message, body);
  }
  if (status === 502 || status === 503 || status === 504) {
    return new ApiError(status, `orders-api is unreachable (HTTP ${status})`);
  }
  return new ApiError(status, `orders-api answered HTTP ${status}`);
}

export interface ClientOptions {
  /** baseUrl is where orders-api is, seen from the browser: /api behind the console server. */
  baseUrl?: string;
  /** token returns the bearer token to send, or undefined for none. */
  token: () => string | undefined;
  /** fetch replaces the global fetch (tests). */
  fetch?: typeof fetch;
}

/** OrdersClient is the console's view of orders-api. */
export interface OrdersClient {
  list(filter: ListFilter): Promise<Page>;
  create(order: NewOrder, idempotencyKey: string): Promise<Order>;
  cancel(id: string): Promise<Order>;
}

/** createOrdersClient returns a client that sends the token on every call. */
export function createOrdersClient(opts: ClientOptions): OrdersClient {
  const fetchImpl = opts.fetch ?? ((input: Request) => globalThis.fetch(input));
  const client = createClient<paths>({ baseUrl: opts.baseUrl ?? '/api', fetch: fetchImpl });
  const auth: Middleware = {
    onRequest({ request }) {
      const token = opts.token();
      if (token) {
        request.headers.set('Authorization', `Bearer ${token}`);
      }
      return request;
    },
  };
  client.use(auth);

  // call runs one request; a fetch that throws (connection refused, offline)
  // becomes an ApiError with status 0.
  async function call<T>(
    run: () => Promise<{ data?: T; error?: unknown; response: Response }>,
  ): Promise<T> {
    let res: Awaited<ReturnType<typeof run>>;
    try {
      res = await run();
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new ApiError(0, `orders-api is unreachable: ${why}`);
    }
    if (res.error !== undefined || !res.response.ok) {
      throw toApiError(res.response.status, res.error);
    }
    return res.data as T;
  }

  return {
    list: (filter) => call(() => client.GET('/orders', { params: { query: clean(filter) } })),
    create: (order, idempotencyKey) =>
      call(() =>
        client.POST('/orders', {
          body: order,
          params: { header: { 'Idempotency-Key': idempotencyKey } },
        }),
      ),
    cancel: (id) => call(() => client.POST('/orders/{id}/cancel', { params: { path: { id } } })),
  };
}

// clean drops empty filter values, so ?region= is not sent.
function clean(filter: ListFilter): ListFilter {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(filter)) {
    if (v !== undefined && v !== '') {
      out[k] = v;
    }
  }
  return out as ListFilter;
}
