/** A token as the API shows it, once, when it is issued. */
import type { components } from '../../generated/openapi.js'
import type { IssuedToken } from './tokens.service.js'

export type TokenResource = components['schemas']['Token']

export function toTokenResource(token: IssuedToken): TokenResource {
  return { token: token.secret, expires_at: token.expiresAt }
}
