/** The authenticated caller, as the handlers of secured operations take it. */
import { UnauthorizedError } from '../errors.js'
import type { Principal } from '../core/operations.js'

/** For handlers of secured operations: the principal, which strict routing guarantees. */
export function authenticatedUser(request: { readonly principal: Principal | null }): Principal {
  if (!request.principal) throw new UnauthorizedError('Send a username and password (Basic) or a token (Bearer).')
  return request.principal
}
