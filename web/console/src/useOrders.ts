// useOrders loads one filtered list of orders and keeps trying while
// orders-api cannot be reached: the page says so, counts down to the next
// attempt and offers to try at once, instead of going blank.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, type ListFilter, type Order, type OrdersClient } from './api/client';

/** RETRY_DELAYS are the seconds between attempts while the API is down; the last repeats. */
export const RETRY_DELAYS = [2, 4, 8, 15];

export interface OrdersState {
  orders: Order[];
  nextCursor?: string;
  loading: boolean;
  error?: ApiError;
  /** retryIn counts the seconds to the next automatic attempt. */
  retryIn?: number;
  /** attempt counts the failed attempts in a row. */
  attempt: number;
}

export interface UseOrders extends OrdersState {
  reload: () => void;
  loadMore: () => void;
  /** replace puts a changed order in the list (after create or cancel). */
  replace: (o: Order) => void;
}

export function useOrders(
  client: OrdersClient,
  filter: ListFilter,
  onUnauthenticated: (e: ApiError) => void,
  pageSize = 50,
): UseOrders {
  const [state, setState] = useState<OrdersState>({ orders: [], loading: true, attempt: 0 });
  const [generation, setGeneration] = useState(0);
  const timer = useRef<ReturnType<typeof setInterval> | undefined>(undefined);
  const key = JSON.stringify(filter);

  const stopTimer = () => {
    if (timer.current !== undefined) {
      clearInterval(timer.current);
      timer.current = undefined;
    }
  };

  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  useEffect(() => {
    let live = true;
    stopTimer();
    setState((s) => ({ ...s, loading: true, retryIn: undefined }));
    client
      .list({ ...filter, limit: pageSize })
      .then((page) => {
        if (!live) return;
        setState({ orders: page.orders ?? [], nextCursor: page.next_cursor, loading: false, attempt: 0 });
      })
      .catch((err: unknown) => {
        if (!live) return;
        const e = err instanceof ApiError ? err : new ApiError(0, String(err));
        if (e.unauthenticated) {
          onUnauthenticated(e);
          return;
        }
        setState((s) => {
          const attempt = s.attempt + 1;
          if (!e.unavailable) {
            return { ...s, loading: false, error: e, attempt, retryIn: undefined };
          }
          const delay = RETRY_DELAYS[Math.min(attempt - 1, RETRY_DELAYS.length - 1)];
          return { ...s, loading: false, error: e, attempt, retryIn: delay };
        });
        if (e.unavailable) {
          timer.current = setInterval(() => {
            setState((s) => {
              if (s.retryIn === undefined) return s;
              if (s.retryIn <= 1) {
                stopTimer();
                setGeneration((g) => g + 1);
                return { ...s, retryIn: 0 };
              }
              return { ...s, retryIn: s.retryIn - 1 };
            });
          }, 1000);
        }
      });
    return () => {
      live = false;
      stopTimer();
    };
    // filter is compared by value through key; onUnauthenticated is stable.
  }, [client, key, generation, pageSize]);

  const loadMore = useCallback(() => {
    const cursor = state.nextCursor;
    if (!cursor) return;
    setState((s) => ({ ...s, loading: true }));
    client
      .list({ ...filter, limit: pageSize, cursor })
      .then((page) =>
        setState((s) => ({
          ...s,
          orders: [...s.orders, ...(page.orders ?? [])],
          nextCursor: page.next_cursor,
          loading: false,
          error: undefined,
        })),
      )
      .catch((err: unknown) => {
        const e = err instanceof ApiError ? err : new ApiError(0, String(err));
        setState((s) => ({ ...s, loading: false, error: e }));
      });
    // filter is compared by value through key.
  }, [client, key, state.nextCursor, pageSize]);

  const replace = useCallback(
    (o: Order) =>
      setState((s) => {
        const i = s.orders.findIndex((x) => x.id === o.id);
        if (i < 0) return { ...s, orders: [o, ...s.orders] };
        const orders = s.orders.slice();
        orders[i] = o;
        return { ...s, orders };
      }),
    [],
  );

  return { ...state, reload, loadMore, replace };
}
