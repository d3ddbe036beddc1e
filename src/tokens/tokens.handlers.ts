/** One handler per token operation in `openapi.yaml`: the request in, tokens.service.ts's answer out. */
import { authenticatedUser } from '../auth/principal.js'
import type { OperationHandler } from '../core/operations.js'
import { toTokenResource } from './tokens.resource.js'
import { issueToken, revokeToken } from './tokens.service.js'

export const createToken: OperationHandler<'createToken'> = async (request, { db, clock, config }) => {
  const user = authenticatedUser(request)
  const token = await issueToken(db, clock, user.userId, config.tokenTtlSeconds)
  return { status: 201, body: toTokenResource(token) }
}

export const revokeCurrentToken: OperationHandler<'revokeCurrentToken'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  await revokeToken(db, user.userId, user.tokenId)
  return { status: 204 }
}
