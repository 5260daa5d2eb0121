// A token with several scopes for the same tenant acts with the strongest of them
// (src/api/auth.ts accessTo), whatever their order in the tokens file; a scope for another
// tenant lends nothing. Every token of the HTTP tests has one scope, so only this test sees it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accessTo, Authenticator, authorize, type Caller } from '../../src/api/auth.ts';
import { hashToken, TokenStore, type TokenScope } from '../../src/api/token-store.ts';

const ZONE_A = { zone_id: 'zone-a' };
const ACCOUNT = { account_id: 'acct-1' };

/** The caller a real token with these scopes authenticates as (through the token store). */
function callerWith(scopes: TokenScope[]): Caller {
  const secret = `sluice_test_${scopes.map((s) => s.access).join('_')}`;
  const store = TokenStore.inMemory([{ id: 'several', hash: hashToken(secret).toString('hex'), scopes }]);
  const caller = new Authenticator(store, undefined).authenticate(`Bearer ${secret}`);
  assert.ok(caller !== null);
  return caller;
}

describe('strongest of a token\'s scopes', () => {
  it('read and write on one zone is write, in either order', () => {
    for (const scopes of [
      [{ zone_id: 'zone-a', access: 'read' }, { zone_id: 'zone-a', access: 'write' }],
      [{ zone_id: 'zone-a', access: 'write' }, { zone_id: 'zone-a', access: 'read' }],
      [{ zone_id: 'zone-a', access: 'read' }, { zone_id: 'zone-a', access: 'write' }, { zone_id: 'zone-a', access: 'read' }],
    ] as TokenScope[][]) {
      const caller = callerWith(scopes);
      const order = scopes.map((s) => s.access).join(', ');
      assert.equal(accessTo(caller, ZONE_A), 'write', order);
      assert.doesNotThrow(() => authorize(caller, ZONE_A, 'write'), order);
    }
  });

  it('the same holds for account scopes', () => {
    const caller = callerWith([{ account_id: 'acct-1', access: 'write' }, { account_id: 'acct-1', access: 'read' }]);
    assert.equal(accessTo(caller, ACCOUNT), 'write');
  });

  it('a write scope on another tenant does not make a read scope write', () => {
    for (const scopes of [
      [{ zone_id: 'zone-b', access: 'write' }, { zone_id: 'zone-a', access: 'read' }],
      [{ zone_id: 'zone-a', access: 'read' }, { zone_id: 'zone-b', access: 'write' }],
      [{ account_id: 'zone-a', access: 'write' }, { zone_id: 'zone-a', access: 'read' }],
    ] as TokenScope[][]) {
      const caller = callerWith(scopes);
      assert.equal(accessTo(caller, ZONE_A), 'read', JSON.stringify(scopes));
      assert.throws(() => authorize(caller, ZONE_A, 'write'), (error: { status?: number }) => error.status === 403, JSON.stringify(scopes));
    }
  });

  it('read scopes alone stay read, and a tenant in no scope is not found', () => {
    const caller = callerWith([{ zone_id: 'zone-a', access: 'read' }, { zone_id: 'zone-a', access: 'read' }]);
    assert.equal(accessTo(caller, ZONE_A), 'read');
    assert.equal(accessTo(caller, { zone_id: 'zone-c' }), null);
  });
});
