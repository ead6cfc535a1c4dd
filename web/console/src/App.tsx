import { useCallback, useMemo, useRef, useState } from 'react';
import { ApiError, createOrdersClient, shortId, type ListFilter, type Order, type OrdersClient } from './api/client';
import { canEdit, loadSession, saveSession, type Session } from './auth';
import { ErrorBanner } from './components/ErrorBanner';
import { Filters } from './components/Filters';
import { Login } from './components/Login';
import { NewOrderForm } from './components/NewOrderForm';
import { OrdersTable } from './components/OrdersTable';
import { useOrders } from './useOrders';

export interface AppProps {
  /** client replaces the orders-api client (tests); it reads the token through the getter. */
  makeClient?: (token: () => string | undefined) => OrdersClient;
  storage?: Storage;
}

const defaultClient = (token: () => string | undefined) => createOrdersClient({ token });

/** App is the console: a sign-in page, then the orders. */
export function App({ makeClient = defaultClient, storage }: AppProps) {
  const [session, setSession] = useState<Session | undefined>(() => loadSession(storage));
  const [notice, setNotice] = useState<string>();
  // The client reads the token at each call, so it outlives token changes.
  const tokenRef = useRef(session?.token);
  tokenRef.current = session?.token;
  const client = useMemo(() => makeClient(() => tokenRef.current), [makeClient]);

  const logout = useCallback(
    (why?: string) => {
      saveSession(undefined, storage);
      setSession(undefined);
      setNotice(why);
    },
    [storage],
  );

  if (!session) {
    const verify = async (s: Session) => {
      const probe = makeClient(() => s.token);
      try {
        await probe.list({ limit: 1 });
      } catch (e) {
        if (e instanceof ApiError && e.unauthenticated) {
          throw new Error(`orders-api rejected this token: ${e.message}`);
        }
        throw e;
      }
    };
    return (
      <Login
        verify={verify}
        notice={notice}
        onLogin={(s) => {
          saveSession(s, storage);
          setNotice(undefined);
          setSession(s);
        }}
      />
    );
  }
  return <Orders client={client} session={session} onLogout={logout} />;
}

interface OrdersProps {
  client: OrdersClient;
  session: Session;
  onLogout: (why?: string) => void;
}

function Orders({ client, session, onLogout }: OrdersProps) {
  const [filter, setFilter] = useState<ListFilter>({});
  const [message, setMessage] = useState<string>();
  const [actionError, setActionError] = useState<string>();
  const [cancelling, setCancelling] = useState<string>();
  const expired = useCallback(
    (e: ApiError) => onLogout(`Your session ended (${e.message}). Sign in again.`),
    [onLogout],
  );
  const list = useOrders(client, filter, expired);
  const editor = canEdit(session);

  const created = (o: Order) => {
    setMessage(`Order ${shortId(o.id)} created for ${o.customer_id}.`);
    setActionError(undefined);
    list.replace(o);
  };

  const cancel = async (o: Order) => {
    setCancelling(o.id);
    setActionError(undefined);
    try {
      const c = await client.cancel(o.id);
      list.replace(c);
      setMessage(`Order ${shortId(o.id)} cancelled.`);
    } catch (e) {
      if (e instanceof ApiError && e.unauthenticated) {
        expired(e);
        return;
      }
      setActionError(`Could not cancel order ${shortId(o.id)}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setCancelling(undefined);
    }
  };

  return (
    <div className="app">
      <header>
        <h1>Orders console</h1>
        <span className="who">
          Signed in as <strong>{session.subject}</strong> ({session.roles.join(', ') || 'no roles'})
          {session.expiresAt && <> until {session.expiresAt.toLocaleTimeString('en-GB')}</>}
        </span>
        <button type="button" className="link" onClick={() => onLogout()}>
          Sign out
        </button>
      </header>
      {list.error && (
        <ErrorBanner error={list.error} retryIn={list.retryIn} attempt={list.attempt} onRetry={list.reload} />
      )}
      {actionError && (
        <div className="banner error" role="alert">
          {actionError}
        </div>
      )}
      {message && (
        <div className="banner ok" role="status">
          {message}
        </div>
      )}
      <div className="layout">
        <section aria-label="Orders">
          <h2>Orders</h2>
          <Filters value={filter} onChange={setFilter} />
          <OrdersTable
            orders={list.orders}
            loading={list.loading}
            canEdit={editor}
            unavailable={list.error?.unavailable}
            cancelling={cancelling}
            onCancel={cancel}
          />
          {list.nextCursor && (
            <button type="button" className="link" onClick={list.loadMore} disabled={list.loading}>
              Load more
            </button>
          )}
        </section>
        {editor ? (
          <aside>
            <NewOrderForm create={client.create} onCreated={created} />
          </aside>
        ) : (
          <aside className="help">Your token has the viewer role: you can look, not create or cancel.</aside>
        )}
      </div>
    </div>
  );
}
