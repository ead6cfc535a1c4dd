import { shortId, type Order } from '../api/client';
import { formatCents } from '../validate';

export interface OrdersTableProps {
  orders: Order[];
  loading: boolean;
  canEdit: boolean;
  /** unavailable says the list could not be loaded (the API is down). */
  unavailable?: boolean;
  /** cancelling holds the id of the order being cancelled. */
  cancelling?: string;
  onCancel: (o: Order) => void;
}

const cancellable = (o: Order) => o.status === 'pending' || o.status === 'confirmed';

/** OrdersTable lists orders, newest first, with a cancel button where allowed. */
export function OrdersTable({ orders, loading, canEdit, unavailable, cancelling, onCancel }: OrdersTableProps) {
  if (orders.length === 0) {
    const text = loading ? 'Loading orders…' : unavailable ? 'The orders appear here once orders-api answers.' : 'No orders match.';
    return <p className="empty">{text}</p>;
  }
  return (
    <table className="orders" aria-busy={loading}>
      <thead>
        <tr>
          <th scope="col">Order</th>
          <th scope="col">Created</th>
          <th scope="col">Customer</th>
          <th scope="col">Region</th>
          <th scope="col">Status</th>
          <th scope="col" className="num">
            Total
          </th>
          {canEdit && <th scope="col">Actions</th>}
        </tr>
      </thead>
      <tbody>
        {orders.map((o) => (
          <tr key={o.id} data-order-id={o.id}>
            <td>
              <code title={o.id}>{shortId(o.id)}</code>
            </td>
            <td>{new Date(o.created_at).toLocaleString('en-GB')}</td>
            <td>{o.customer_id}</td>
            <td>{o.region}</td>
            <td>
              <span className={`status status-${o.status}`}>{o.status}</span>
            </td>
            <td className="num">{formatCents(o.total_cents)}</td>
            {canEdit && (
              <td>
                {cancellable(o) && (
                  <button
                    type="button"
                    className="danger"
                    disabled={cancelling === o.id}
                    onClick={() => onCancel(o)}
                    aria-label={`Cancel order ${shortId(o.id)} of ${o.customer_id}`}
                  >
                    {cancelling === o.id ? 'Cancelling…' : 'Cancel'}
                  </button>
                )}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
