/**
 * The two lookups authentication makes, on every request that sends credentials: an
 * account's password hash by its username (Basic), and the owner of an unexpired token
 * by the token's hash (Bearer). Kept here rather than in users/ and tokens/ so that
 * authentication depends on no feature: the features depend on it.
 */
import { type Placeholders, prepareQuery } from '../db/prepared-query.js'
import type { Database } from '../db/schema.js'
import type { UserRow } from '../db/tables/users.table.js'
import type { Principal } from './principal.js'

/** What a Basic login needs of an account: who it is, and the hash to check the password against. */
export type StoredLogin = Pick<UserRow, 'id' | 'username' | 'password_hash'>

const findLoginQuery = prepareQuery((db, p: Placeholders<{ username: string }>) =>
  db.selectFrom('users').select(['id', 'username', 'password_hash']).where('username', '=', p('username')),
)

export function findLogin(db: Database, username: string): Promise<StoredLogin | undefined> {
  return findLoginQuery.executeTakeFirst(db, { username })
}

/** Every request with a Bearer token runs this one: it selects the principal's fields and nothing more. */
const findActiveTokenQuery = prepareQuery((db, p: Placeholders<{ tokenHash: string; now: string }>) =>
  db
    .selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.user_id')
    .select(['tokens.id as tokenId', 'users.id as userId', 'users.username as username'])
    .where('tokens.token_hash', '=', p('tokenHash'))
    .where('tokens.expires_at', '>', p('now')),
)

/** The principal of the token with this hash, if it has not expired at `now`. */
export function findActiveToken(db: Database, tokenHash: string, now: string): Promise<Principal | undefined> {
  return findActiveTokenQuery.executeTakeFirst(db, { tokenHash, now })
}
