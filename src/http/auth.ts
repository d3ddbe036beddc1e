/**
 * The HTTP side of authentication, for the spec's `basicAuth` and `bearerAuth` schemes:
 * reads the Authorization header, asks only the handler of the scheme it names, weighs
 * the operation's security requirements, and chooses the 401 (with its WWW-Authenticate
 * challenge) or 429 to answer when they are not met. Checking the credentials themselves
 * is auth/auth.service.ts's job.
 */
import { verifyBearer, verifyLogin } from '../auth/auth.service.js'
import type { Principal } from '../auth/principal.js'
import type { AppDeps } from '../deps.js'
import { AppError, type AuthScheme, UnauthorizedError } from '../errors.js'
import type { HttpExchange } from './exchange.js'
import type { OperationPlan } from './operation-plan.js'

/** What an Authorization header sends: its scheme, in lower case, and the credentials after it. */
interface SentCredentials {
  readonly scheme: string
  readonly credentials: string
}

function sentCredentials(exchange: HttpExchange): SentCredentials | undefined {
  const header = exchange.req.headers.authorization
  if (!header) return undefined
  const [given = '', ...rest] = header.trim().split(/\s+/)
  return { scheme: given.toLowerCase(), credentials: rest.join(' ') }
}

function decodeBasic(credentials: string): { username: string; password: string } {
  const decoded = Buffer.from(credentials, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) throw new UnauthorizedError('The Basic credentials are malformed.')
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

/**
 * A scheme of the spec: the HTTP authentication scheme it reads (lower case), and its check
 * of the credentials sent with that scheme, which gives the principal or throws when they
 * are wrong.
 */
interface SecurityHandler {
  readonly scheme: 'basic' | 'bearer'
  verify(credentials: string, exchange: HttpExchange): Promise<Principal>
}
export type SecurityHandlers = Readonly<Record<string, SecurityHandler>>

export function createSecurityHandlers(deps: AppDeps): SecurityHandlers {
  const basicAuth: SecurityHandler = {
    scheme: 'basic',
    async verify(credentials, exchange) {
      const principal = await verifyLogin(deps, decodeBasic(credentials), exchange.req.ip ?? 'unknown')
      if (!principal) throw new UnauthorizedError('The username or password is wrong.')
      return principal
    },
  }
  const bearerAuth: SecurityHandler = {
    scheme: 'bearer',
    async verify(secret) {
      const principal = secret ? await verifyBearer(deps, secret) : undefined
      if (!principal) throw new UnauthorizedError('The token is invalid, expired or revoked.', { invalidToken: true })
      return principal
    },
  }
  return { basicAuth, bearerAuth }
}

/** What one scheme made of a request: its principal, nothing (the request does not use it), or why it failed. */
type SchemeOutcome = Principal | undefined | { readonly error: unknown }

/** Who sent a request, as far as the operation's security requirements are concerned. */
export interface Authentication {
  /** One of the requirements is met; always, for a public operation. */
  readonly authorized: boolean
  /** The principal from whichever scheme succeeded (bearer first); null when none did. */
  readonly principal: Principal | null
  /** Why it is not authorized, as the error to answer with. */
  failure(): Error
}

/** The order in which a principal is taken when several schemes succeeded. */
const PREFERENCE = ['bearerAuth', 'basicAuth']

/** A public operation: anyone may call it, as nobody in particular. */
const PUBLIC: Authentication = {
  authorized: true,
  principal: null,
  failure: () => new Error('a public operation cannot fail authentication'),
}

const isPrincipal = (outcome: SchemeOutcome): outcome is Principal => outcome !== undefined && !('error' in outcome)

/**
 * Runs the scheme handlers an operation names and weighs its requirements (OpenAPI's
 * rule: every scheme of one requirement must pass, and one requirement is enough).
 */
export async function authenticate(plan: OperationPlan, exchange: HttpExchange, handlers: SecurityHandlers): Promise<Authentication> {
  if (!plan.secured) return PUBLIC
  const sent = sentCredentials(exchange)
  const outcomes = new Map<string, SchemeOutcome>()
  for (const scheme of plan.securitySchemes) {
    const handler = handlers[scheme]
    // Only the scheme the Authorization header names can pass; the others are not asked.
    if (!handler || !sent || sent.scheme !== handler.scheme) {
      outcomes.set(scheme, undefined)
      continue
    }
    try {
      outcomes.set(scheme, await handler.verify(sent.credentials, exchange))
    } catch (error) {
      outcomes.set(scheme, { error: error ?? new Error(`the ${scheme} handler failed`) })
    }
  }
  const passed = (scheme: string) => isPrincipal(outcomes.get(scheme))
  const authorized = plan.securityRequirements.some((requirement) => requirement.every(passed))
  const preferred = PREFERENCE.map((scheme) => outcomes.get(scheme)).find(isPrincipal)
  return {
    authorized,
    principal: preferred ?? null,
    failure: () => authenticationFailure([...outcomes.values()], plan.securitySchemes),
  }
}

/**
 * Why authentication failed, as the error to answer with: a throttled login (429) wins
 * over plain bad credentials (401); a failure on our side (a bug, or the database cannot
 * be reached: a 503) is rethrown as itself, not turned into a misleading 401.
 */
function authenticationFailure(outcomes: readonly SchemeOutcome[], schemeNames: readonly string[]): Error {
  const offered = schemesOf(schemeNames)
  const errors = outcomes.flatMap((outcome) => (outcome !== undefined && 'error' in outcome ? [outcome.error] : []))
  const unexpected = errors.find((error) => !(error instanceof AppError) || error.status >= 500)
  if (unexpected !== undefined) return unexpected instanceof Error ? unexpected : new Error(String(unexpected))
  const appErrors = errors.filter((error): error is AppError => error instanceof AppError)
  const throttled = appErrors.find((error) => error.status === 429)
  if (throttled) return throttled
  const cause = appErrors.find((error) => error instanceof UnauthorizedError)
  return new UnauthorizedError(cause?.message ?? missingCredentials(offered), { schemes: offered, invalidToken: cause?.invalidToken })
}

/** The schemes an operation takes, as its security requirements list them. */
function schemesOf(names: readonly string[]): AuthScheme[] {
  const schemes: AuthScheme[] = []
  if (names.includes('basicAuth')) schemes.push('Basic')
  if (names.includes('bearerAuth')) schemes.push('Bearer')
  return schemes.length > 0 ? schemes : ['Basic', 'Bearer']
}

function missingCredentials(schemes: readonly AuthScheme[]): string {
  const ways = { Basic: 'a username and password (Basic)', Bearer: 'a token (Bearer)' }
  return `Send ${schemes.map((scheme) => ways[scheme]).join(' or ')}.`
}
