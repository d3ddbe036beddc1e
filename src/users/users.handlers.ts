/** One handler per user operation in `openapi.yaml`. */
import type { Database } from '../db/schema.js'
import { NotFoundError, UnauthorizedError } from '../errors.js'
import { authenticatedUser } from '../http/auth.js'
import { rememberResult, storedResult } from '../http/idempotency.js'
import type { OperationHandler, OperationResult } from '../http/operations.js'
import { keyReused, requestHash, sameRequest } from '../idempotency/idempotency.service.js'
import { verifyPassword } from './passwords.js'
import { deleteUser, findUserById } from './users.repository.js'
import { toUserResource, userUri } from './users.resource.js'
import { changeUser, registerUser, registerUserUnderKey } from './users.service.js'
import type { UserRow } from './users.table.js'

/** The credentials of an account deleted mid-request are no longer valid: 401, as on the next request. */
function accountGone(): UnauthorizedError {
  return new UnauthorizedError('Your account no longer exists.')
}

async function currentUserRow(db: Database, userId: number): Promise<UserRow> {
  const row = await findUserById(db, userId)
  if (!row) throw accountGone()
  return row
}

export const createUser: OperationHandler<'createUser'> = async (request, { db, config }) => {
  const created = (row: UserRow): OperationResult<'createUser'> => ({
    status: 201,
    headers: { Location: userUri(request.baseUrl, row.id) },
    body: toUserResource(row, request.baseUrl),
  })
  const key = request.headers['Idempotency-Key']
  if (key === undefined) return created(await registerUser(db, request.body, config.scryptCost))

  // The password is left out of the stored hash (a fast one) and checked against the account instead.
  const { username, email, password } = request.body
  const hash = requestHash('createUser', { username, email })
  const outcome = await registerUserUnderKey(db, request.body, config.scryptCost, key, (trx, row) =>
    rememberResult(trx, { userId: row.id, key, hash, now: new Date() }, created(row)),
  )
  if ('created' in outcome) return created(outcome.created)

  const { user, stored } = outcome.earlier
  const replay = storedResult(sameRequest(stored, hash))
  if (!(await verifyPassword(password, user.password_hash))) throw keyReused()
  // What this operation stored for this key: a 201 with its Location and User body.
  return { ...(replay as OperationResult<'createUser'>), replayed: true }
}

export const getCurrentUser: OperationHandler<'getCurrentUser'> = async (request, { db }) => {
  const row = await currentUserRow(db, authenticatedUser(request).userId)
  return { status: 200, body: toUserResource(row, request.baseUrl) }
}

export const updateCurrentUser: OperationHandler<'updateCurrentUser'> = async (request, { db, config }) => {
  const user = authenticatedUser(request)
  const row = await changeUser(db, user.userId, { email: request.body.email, password: request.body.password }, config.scryptCost)
  if (!row) throw accountGone()
  return { status: 200, body: toUserResource(row, request.baseUrl) }
}

export const deleteCurrentUser: OperationHandler<'deleteCurrentUser'> = async (request, { db }) => {
  await deleteUser(db, authenticatedUser(request).userId)
  return { status: 204 }
}

/** Users see only themselves: any other id is 404, as if it did not exist. */
export const getUser: OperationHandler<'getUser'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  if (request.params.userId !== user.userId) throw new NotFoundError(`There is no user ${request.params.userId}.`)
  const row = await currentUserRow(db, user.userId)
  return { status: 200, body: toUserResource(row, request.baseUrl) }
}
