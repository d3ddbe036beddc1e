/**
 * Who is asking: a username and password checked (with scrypt, under the login
 * throttle), or a bearer token looked up by its SHA-256. Each gives the
 * {@link Principal}, or undefined when the credentials are wrong; answering that with a
 * 401 is the HTTP layer's job (http/auth.ts).
 */
import type { Database } from '../db/schema.js'
import { type Clock, currentTimestamp } from '../timestamps.js'
import { findActiveToken, findLogin, type StoredLogin } from './auth.repository.js'
import type { LoginThrottle } from './login-throttle.js'
import { verifyAgainstDecoy, verifyPassword } from './passwords.js'
import type { Principal } from './principal.js'
import { hashTokenSecret } from './token-secret.js'

/**
 * What the checks use of the service's dependencies (AppDeps has all of it): named here
 * so that authentication depends on no composition module, only on what it reads.
 */
export interface AuthDeps {
  readonly db: Database
  readonly loginThrottle: LoginThrottle
  readonly clock: Clock
  readonly config: { readonly scryptCost: number }
}

/** A username and password, as a Basic header or a registration's body sends them. */
export interface LoginCredentials {
  readonly username: string
  readonly password: string
}

/**
 * Checks a username and password under the login throttle: the principal when both are
 * right, undefined otherwise (an unknown username costs as long as a known one), and 429
 * while the username or the address is locked out. Every password check goes through
 * here; identical checks running at once share one attempt.
 */
export function verifyLogin(deps: AuthDeps, credentials: LoginCredentials, address: string): Promise<Principal | undefined> {
  return deps.loginThrottle.once(credentials, address, () => checkLogin(deps, credentials, address))
}

async function checkLogin(deps: AuthDeps, credentials: LoginCredentials, address: string): Promise<Principal | undefined> {
  const { username, password } = credentials
  const throttle = deps.loginThrottle
  await throttle.attempt(username, address)
  let login: StoredLogin | undefined
  let valid: boolean
  try {
    login = await findLogin(deps.db, username)
    valid = login ? await verifyPassword(password, login.password_hash) : await verifyAgainstDecoy(password, deps.config.scryptCost)
  } catch (error) {
    // Our failure (the database is down), not a wrong guess: it must not lock anyone out.
    // The refund goes to the database too; if that fails as well, the first failure is the one to report.
    await throttle.refund(username, address).catch(() => undefined)
    throw error
  }
  if (!login || !valid) return undefined
  await throttle.succeeded(username, address)
  return { userId: login.id, username: login.username, tokenId: null }
}

/**
 * The principal of a bearer token that exists and has not expired, or undefined. Every
 * request with a token runs this: one native hash and one prepared query, nothing more.
 */
export function verifyBearer(deps: AuthDeps, secret: string): Promise<Principal | undefined> {
  return findActiveToken(deps.db, hashTokenSecret(secret), currentTimestamp(deps.clock))
}
