/** One handler per user operation in `openapi.yaml`: the request in, users.service.ts's answer out. */

import { verifyLogin } from '../auth/auth.service.js'
import { authenticatedUser } from '../auth/principal.js'
import type { OperationHandler, OperationId, OperationRequest, OperationResult } from '../core/operations.js'
import { userUri } from '../core/uris.js'
import type { UserRow } from '../db/tables/users.table.js'
import type { AppDeps } from '../deps.js'
import { type ConflictError, NotFoundError } from '../errors.js'
import { requestHash } from '../idempotency/idempotency.service.js'
import { findStoredResult, markReplayed, rememberResult } from '../idempotency/stored-results.js'
import { toUserResource } from './users.resource.js'
import { changeUser, currentUser, type Registration, registerUser, registerUserUnderKey, registrationConflict, removeUser, usernameTaken } from './users.service.js'

const REGISTRATION = 'createUser' satisfies OperationId

/** What a registration's key stands for. The password is left out (this hash is fast, and stored). */
function registrationHash(body: Registration): string {
  return requestHash(REGISTRATION, { username: body.username, email: body.email.toLowerCase() })
}

export const createUser: OperationHandler<'createUser'> = async (request, deps) => {
  const { db, clock, config } = deps
  const created = (row: UserRow): Extract<OperationResult<'createUser'>, { status: 201 }> => ({
    status: 201,
    headers: { Location: userUri(request.baseUrl, row.id) },
    body: toUserResource(row, request.baseUrl),
  })
  const key = request.headers['Idempotency-Key']
  if (key === undefined) return created(await registerUser(db, clock, request.body, config.scryptCost))

  const hash = registrationHash(request.body)
  const outcome = await registerUserUnderKey(db, clock, request.body, config.scryptCost, (trx, row) =>
    rememberResult(trx, { userId: row.id, key, operationId: REGISTRATION, hash }, clock(), created(row)),
  )
  if ('created' in outcome) return created(outcome.created)
  // Only a request naming an existing account's username and email address can be a retry
  // of its registration; anyone else just picked a taken name, and costs its owner nothing.
  const conflict = registrationConflict(outcome.taken) ?? usernameTaken()
  if (!outcome.taken.sameAccount) throw conflict
  return replayRegistration(request, deps, { key, hash, conflict })
}

/**
 * The username and email address are an account's. Only its owner, proven by the
 * password (a login, throttled as one), learns more than that: the stored response to
 * their registration under this key. Anyone else gets the 409 of a request without a key.
 */
async function replayRegistration(
  request: OperationRequest<'createUser'>,
  deps: AppDeps,
  retry: { readonly key: string; readonly hash: string; readonly conflict: ConflictError },
): Promise<OperationResult<'createUser'>> {
  const { key, hash, conflict } = retry
  const owner = await verifyLogin(deps, request.body, request.clientAddress)
  const use = owner && { userId: owner.userId, key, operationId: REGISTRATION, hash }
  const stored = use && (await findStoredResult(deps.db, use, deps.clock(), true))
  // Not theirs to know: the 409 a request without the key gets.
  if (!stored) throw conflict
  // Stored by this operation (the lookup says so): a 201 with its Location and User body.
  return markReplayed(stored) as OperationResult<'createUser'>
}

export const getCurrentUser: OperationHandler<'getCurrentUser'> = async (request, { db }) => {
  const row = await currentUser(db, authenticatedUser(request).userId)
  return { status: 200, body: toUserResource(row, request.baseUrl) }
}

export const updateCurrentUser: OperationHandler<'updateCurrentUser'> = async (request, { db, config }) => {
  const user = authenticatedUser(request)
  const row = await changeUser(db, user.userId, { email: request.body.email, password: request.body.password }, config.scryptCost)
  return { status: 200, body: toUserResource(row, request.baseUrl) }
}

export const deleteCurrentUser: OperationHandler<'deleteCurrentUser'> = async (request, { db }) => {
  await removeUser(db, authenticatedUser(request).userId)
  return { status: 204 }
}

/** Users see only themselves: any other id is 404, as if it did not exist. */
export const getUser: OperationHandler<'getUser'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  if (request.params.userId !== user.userId) throw new NotFoundError(`There is no user ${request.params.userId}.`)
  const row = await currentUser(db, user.userId)
  return { status: 200, body: toUserResource(row, request.baseUrl) }
}
