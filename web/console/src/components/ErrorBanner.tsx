import type { ApiError } from '../api/client';

export interface ErrorBannerProps {
  error: ApiError;
  /** retryIn is the countdown to the next automatic attempt, if one is planned. */
  retryIn?: number;
  attempt?: number;
  onRetry: () => void;
}

/** ErrorBanner says what went wrong with orders-api and what happens next. */
export function ErrorBanner({ error, retryIn, attempt, onRetry }: ErrorBannerProps) {
  return (
    <div className="banner error" role="alert">
      {error.unavailable ? (
        <>
          <strong>Cannot reach orders-api.</strong>{' '}
          <span>
            The orders below may be out of date.{' '}
            {retryIn !== undefined && retryIn > 0
              ? `Retrying in ${retryIn}s (attempt ${(attempt ?? 0) + 1}).`
              : 'Retrying now…'}
          </span>
        </>
      ) : (
        <>
          <strong>orders-api refused the request.</strong> <span>{error.message}</span>
        </>
      )}
      <button type="button" className="link" onClick={onRetry}>
        Retry now
      </button>
      {error.unavailable && <small className="detail">{error.message}</small>}
    </div>
  );
}
