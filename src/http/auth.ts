/**
 * openapi-backend security handlers for the spec's `basicAuth` and `bearerAuth` schemes.
 * A handler returns the {@link Principal} when its scheme's credentials are valid, returns
 * nothing when the request does not use its scheme, and throws when they are wrong.
 */
import type { Context } from 'openapi-backend'
import type { AppDeps } from '../deps.js'
import { AppError, type AuthScheme, UnauthorizedError } from '../errors.js'
import { findActiveToken } from '../tokens/tokens.repository.js'
import { hashTokenSecret } from '../tokens/token-secret.js'
import { verifyAgainstDecoy, verifyPassword } from '../users/passwords.js'
import { findUserByUsername } from '../users/users.repository.js'
import type { UserRow } from '../users/users.table.js'
import type { HttpExchange } from './exchange.js'
import type { OperationRequest, OperationId, Principal } from './operations.js'

/** The part of an Authorization header after `scheme `, if the scheme matches. */
function credentialsFor(exchange: HttpExchange, scheme: string): string | undefined {
  const header = exchange.req.headers.authorization
  if (!header) return undefined
  const [given, ...rest] = header.trim().split(/\s+/)
  return given?.toLowerCase() === scheme.toLowerCase() ? rest.join(' ') : undefined
}

function decodeBasic(credentials: string): { username: string; password: string } {
  const decoded = Buffer.from(credentials, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) throw new UnauthorizedError('The Basic credentials are malformed.')
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

type SecurityHandler = (context: Context, exchange: HttpExchange) => Promise<Principal | undefined>

/**
 * Checks a username and password under the login throttle: the user when both are right,
 * undefined otherwise (an unknown username costs as long as a known one), and 429 while
 * the username or the address is locked out. Every password check goes through here;
 * identical checks running at once share one attempt.
 */
export function verifyLogin(
  deps: AppDeps,
  credentials: { readonly username: string; readonly password: string },
  address: string,
): Promise<UserRow | undefined> {
  return deps.loginThrottle.once(credentials, address, () => checkLogin(deps, credentials, address))
}

async function checkLogin(
  deps: AppDeps,
  credentials: { readonly username: string; readonly password: string },
  address: string,
): Promise<UserRow | undefined> {
  const { username, password } = credentials
  const throttle = deps.loginThrottle
  await throttle.attempt(username, address)
  let user: UserRow | undefined
  let valid: boolean
  try {
    user = await findUserByUsername(deps.db, username)
    valid = user ? await verifyPassword(password, user.password_hash) : await verifyAgainstDecoy(password, deps.config.scryptCost)
  } catch (error) {
    // Our failure (the database is down), not a wrong guess: it must not lock anyone out.
    await throttle.refund(username, address)
    throw error
  }
  if (!user || !valid) return undefined
  await throttle.succeeded(username, address)
  return user
}

export function createSecurityHandlers(deps: AppDeps): { basicAuth: SecurityHandler; bearerAuth: SecurityHandler } {
  const basicAuth: SecurityHandler = async (_context, exchange) => {
    const credentials = credentialsFor(exchange, 'Basic')
    if (credentials === undefined) return undefined
    const user = await verifyLogin(deps, decodeBasic(credentials), exchange.req.ip ?? 'unknown')
    if (!user) throw new UnauthorizedError('The username or password is wrong.')
    return { userId: user.id, username: user.username, tokenId: null }
  }

  const bearerAuth: SecurityHandler = async (_context, exchange) => {
    const secret = credentialsFor(exchange, 'Bearer')
    if (secret === undefined) return undefined
    const token = secret ? await findActiveToken(deps.db, hashTokenSecret(secret), new Date().toISOString()) : undefined
    if (!token) throw new UnauthorizedError('The token is invalid, expired or revoked.', { invalidToken: true })
    return { userId: token.userId, username: token.username, tokenId: token.tokenId }
  }

  return { basicAuth, bearerAuth }
}

/** The principal from whichever scheme succeeded, or null for public operations. */
export function principalOf(context: Context): Principal | null {
  const security = (context.security ?? {}) as Record<string, unknown>
  for (const scheme of ['bearerAuth', 'basicAuth']) {
    const result = security[scheme]
    if (result && typeof result === 'object' && 'userId' in result) return result as Principal
  }
  return null
}

/**
 * Why authentication failed, as the error to answer with: a throttled login (429) wins
 * over plain bad credentials (401); an unexpected failure (the database is down) is
 * rethrown as itself so that it becomes a 500, not a misleading 401.
 */
export function authenticationFailure(context: Context): Error {
  const offered = schemesOf(context)
  const errors = Object.values((context.security ?? {}) as Record<string, unknown>)
    .map((result) => (result && typeof result === 'object' && 'error' in result ? result.error : undefined))
    .filter((error): error is unknown => error !== undefined)
  const unexpected = errors.find((error) => !(error instanceof AppError))
  if (unexpected !== undefined) return unexpected instanceof Error ? unexpected : new Error(String(unexpected))
  const appErrors = errors.filter((error): error is AppError => error instanceof AppError)
  const throttled = appErrors.find((error) => error.status === 429)
  if (throttled) return throttled
  const cause = appErrors.find((error) => error instanceof UnauthorizedError)
  return new UnauthorizedError(cause?.message ?? missingCredentials(offered), { schemes: offered, invalidToken: cause?.invalidToken })
}

/** The schemes this operation takes, as its spec security requirements list them. */
function schemesOf(context: Context): AuthScheme[] {
  const names = (context.operation?.security ?? []).flatMap((requirement) => Object.keys(requirement))
  const schemes: AuthScheme[] = []
  if (names.includes('basicAuth')) schemes.push('Basic')
  if (names.includes('bearerAuth')) schemes.push('Bearer')
  return schemes.length > 0 ? schemes : ['Basic', 'Bearer']
}

function missingCredentials(schemes: readonly AuthScheme[]): string {
  const ways = { Basic: 'a username and password (Basic)', Bearer: 'a token (Bearer)' }
  return `Send ${schemes.map((scheme) => ways[scheme]).join(' or ')}.`
}

/** For handlers of secured operations: the principal, which strict routing guarantees. */
export function authenticatedUser<Id extends OperationId>(request: OperationRequest<Id>): Principal {
  if (!request.principal) throw new UnauthorizedError('Send a username and password (Basic) or a token (Bearer).')
  return request.principal
}
