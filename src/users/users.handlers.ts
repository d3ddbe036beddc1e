/** One handler per user operation in `openapi.yaml`. */
import type { Database } from '../db/schema.js'
import { NotFoundError, UnauthorizedError } from '../errors.js'
import { authenticatedUser } from '../http/auth.js'
import type { OperationHandler } from '../http/operations.js'
import { deleteUser, findUserById } from './users.repository.js'
import { toUserResource, userUri } from './users.resource.js'
import { changeUser, registerUser } from './users.service.js'
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
  const row = await registerUser(db, request.body, config.scryptCost)
  return { status: 201, headers: { Location: userUri(request.baseUrl, row.id) }, body: toUserResource(row, request.baseUrl) }
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
