// The token the console sends to orders-api. It lives in sessionStorage: it
// goes away with the tab, and the console never puts it in a URL or a
// cookie. The payload is decoded only to show who is signed in and until
// when; orders-api verifies the signature.

export interface Session {
  token: string;
  subject: string;
  roles: string[];
  expiresAt?: Date;
}

const KEY = 'console.token';

/** parseToken reads a JWT's claims, or says in words why it cannot. */
export function parseToken(raw: string, now = new Date()): { session?: Session; error?: string } {
  const token = raw.trim().replace(/^Bearer\s+/i, '');
  if (!token) {
    return { error: 'Paste a token.' };
  }
  const parts = token.split('.');
  if (parts.length !== 3) {
    return { error: 'This is not a JSON Web Token (expected three parts separated by dots).' };
  }
  let claims: { sub?: unknown; roles?: unknown; exp?: unknown };
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    claims = JSON.parse(atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, '=')));
  } catch {
    return { error: 'The token payload cannot be read.' };
  }
  const expiresAt = typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : undefined;
  if (expiresAt && expiresAt <= now) {
    return { error: `This token expired at ${expiresAt.toLocaleString()}. Get a new one.` };
  }
  const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
  return {
    session: { token, subject: typeof claims.sub === 'string' ? claims.sub : '(unknown)', roles, expiresAt },
  };
}

/** canEdit says whether the session may create and cancel orders. */
export function canEdit(s: Session | undefined): boolean {
  return !!s && s.roles.includes('editor');
}

/** loadSession returns the stored session, if any and not expired. */
export function loadSession(storage: Storage = sessionStorage): Session | undefined {
  const raw = storage.getItem(KEY);
  if (!raw) {
    return undefined;
  }
  const { session } = parseToken(raw);
  if (!session) {
    storage.removeItem(KEY);
  }
  return session;
}

/** saveSession stores the session's token, or forgets it. */
export function saveSession(s: Session | undefined, storage: Storage = sessionStorage): void {
  if (s) {
    storage.setItem(KEY, s.token);
  } else {
    storage.removeItem(KEY);
  }
}
