/**
 * The authenticated caller, as the handlers of secured operations take it. Defined here,
 * by authentication, which establishes it; core/operations.ts hands it on as part of the
 * handler contract, so that auth/ needs nothing from core/.
 */
import { UnauthorizedError } from '../errors.js'

/** Who sent the request, as established by `basicAuth` or `bearerAuth`. */
export interface Principal {
  readonly userId: number
  readonly username: string
  /** The bearer token in use; null under Basic authentication. */
  readonly tokenId: number | null
}

/** For handlers of secured operations: the principal, which strict routing guarantees. */
export function authenticatedUser(request: { readonly principal: Principal | null }): Principal {
  if (!request.principal) throw new UnauthorizedError('Send a username and password (Basic) or a token (Bearer).')
  return request.principal
}
