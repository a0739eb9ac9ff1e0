import assert from 'node:assert/strict';
import { clearedSessionCookie, cookieValue, csrfFor, csrfRefusal, sessionCookie } from '../../../../coordinator/src/auth/session-cookie.ts';
import { tokenHasher } from '../../../../coordinator/src/auth/token-hash.ts';

describe('the session cookie', () => {
  const hasher = tokenHasher(Buffer.alloc(32, 1));

  it('is Secure only when the coordinator serves TLS', () => {
    assert.equal(sessionCookie('dh_x', true), 'deckhand_session=dh_x; Path=/; HttpOnly; SameSite=Strict; Secure');
    assert.equal(sessionCookie('dh_x', false), 'deckhand_session=dh_x; Path=/; HttpOnly; SameSite=Strict');
    assert.equal(clearedSessionCookie(true), 'deckhand_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure');
  });

  it('is read from a Cookie header among others, and not from a lookalike name', () => {
    assert.equal(cookieValue('a=1; deckhand_session=dh_%2Fx; b=2', 'deckhand_session'), 'dh_/x');
    assert.equal(cookieValue('xdeckhand_session=1', 'deckhand_session'), undefined);
    assert.equal(cookieValue('deckhand_session=%E0%A4%A', 'deckhand_session'), undefined);
    assert.equal(cookieValue(undefined, 'deckhand_session'), undefined);
  });

  it('needs the CSRF value only to change something, and only the one made with the coordinator\'s key', () => {
    assert.equal(csrfRefusal(hasher, 'GET', 'dh_x', undefined), undefined);
    assert.match(csrfRefusal(hasher, 'POST', 'dh_x', undefined) ?? '', /must send the x-deckhand-csrf header/);
    assert.equal(csrfRefusal(hasher, 'DELETE', 'dh_x', csrfFor(hasher, 'dh_x')), undefined);
    const otherKey = tokenHasher(Buffer.alloc(32, 2));
    assert.match(csrfRefusal(hasher, 'POST', 'dh_x', csrfFor(otherKey, 'dh_x')) ?? '', /does not match/);
  });
});
