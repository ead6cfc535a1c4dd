import { describe, expect, it } from 'vitest';
import { canEdit, loadSession, parseToken, saveSession } from './auth';
import { makeToken } from './testing/token';

describe('parseToken', () => {
  const now = new Date('2026-03-01T10:00:00Z');
  it('reads subject, roles and expiry', () => {
    const tok = makeToken({ sub: 'ann', roles: ['editor'], exp: now.getTime() / 1000 + 3600 });
    const { session } = parseToken(`Bearer ${tok}\n`, now);
    expect(session).toMatchObject({ token: tok, subject: 'ann', roles: ['editor'] });
    expect(canEdit(session)).toBe(true);
  });
  it.each([
    ['', 'Paste a token.'],
    ['not-a-token', 'This is not a JSON Web Token (expected three parts separated by dots).'],
    ['a.!!!.c', 'The token payload cannot be read.'],
  ])('rejects %j', (raw, error) => {
    expect(parseToken(raw, now).error).toBe(error);
  });
  it('rejects an expired token', () => {
    const tok = makeToken({ sub: 'ann', roles: ['viewer'], exp: now.getTime() / 1000 - 1 });
    expect(parseToken(tok, now).error).toMatch(/expired/);
  });
  it('gives a viewer no edit rights', () => {
    const { session } = parseToken(makeToken({ sub: 'v', roles: ['viewer'] }), now);
    expect(canEdit(session)).toBe(false);
  });
});

describe('sessions', () => {
  it('round-trips through storage and forgets on sign-out', () => {
    const { session } = parseToken(makeToken({ sub: 'ann', roles: ['editor'], exp: Date.now() / 1000 + 60 }));
    saveSession(session);
    expect(loadSession()?.subject).toBe('ann');
    saveSession(undefined);
    expect(loadSession()).toBeUndefined();
  });
});
