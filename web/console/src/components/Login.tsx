import { useState, type FormEvent } from 'react';
import { parseToken, type Session } from '../auth';

export interface LoginProps {
  /** verify calls orders-api with the session and rejects with a message to show. */
  verify: (s: Session) => Promise<void>;
  onLogin: (s: Session) => void;
  /** notice explains why the person sees this page again (expired token). */
  notice?: string;
}

/** Login asks for an orders-api token and checks it before going on. */
export function Login({ verify, onLogin, notice }: LoginProps) {
  const [raw, setRaw] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(ev: FormEvent) {
    ev.preventDefault();
    const { session, error } = parseToken(raw);
    if (!session) {
      setError(error);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await verify(session);
      onLogin(session);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login">
      <h1>Orders console</h1>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <form onSubmit={submit} noValidate aria-label="Sign in">
        <label htmlFor="token">Access token</label>
        <textarea
          id="token"
          name="token"
          rows={5}
          value={raw}
          onChange={(e) => setRaw(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'token-error token-help' : 'token-help'}
          spellCheck={false}
          autoComplete="off"
        />
        {error && (
          <p id="token-error" className="field-error" role="alert">
            {error}
          </p>
        )}
        <p id="token-help" className="help">
          A bearer token for orders-api (role <code>viewer</code> to look, <code>editor</code> to create and cancel).
          Locally, <code>make dev</code> prints an editor token under orders-api.
        </p>
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
