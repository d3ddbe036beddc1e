/** One handler per goal operation in `openapi.yaml`. */

import { authenticatedUser } from '../auth/principal.js'
import type { OperationHandler } from '../core/operations.js'
import { listPage } from '../core/pagination.js'
import { goalUri, listUri } from '../core/uris.js'
import type { GoalRow } from '../db/tables/goals.table.js'
import { NotFoundError } from '../errors.js'
import { countGoals, selectAllGoals, selectGoal, selectGoals } from './goals.repository.js'
import { toGoalForest, toGoalResource } from './goals.resource.js'
import { changeGoal, createGoal as createGoalRow, type GoalChanges, removeGoal } from './goals.service.js'

function noSuchGoal(id: number): NotFoundError {
  return new NotFoundError(`There is no goal ${id}.`)
}

export const listGoals: OperationHandler<'listGoals'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  const { parent_id, completed } = request.query
  const filter = { parentId: parent_id === 'null' ? null : parent_id, completed }
  const { rows, meta, link } = await listPage<GoalRow>(request.query, {
    list: 'goals',
    url: listUri(request.baseUrl, 'goals'),
    filters: { parent_id, completed },
    sortKey: (row) => row.created_at,
    rows: (range) => selectGoals(db, user.userId, filter, range),
    count: () => countGoals(db, user.userId, filter),
  })
  return {
    status: 200,
    headers: { Link: link },
    body: { data: rows.map((row) => toGoalResource(row, request.baseUrl)), meta },
  }
}

export const getGoalTree: OperationHandler<'getGoalTree'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  const rows = await selectAllGoals(db, user.userId)
  return { status: 200, body: { data: toGoalForest(rows, request.baseUrl) } }
}

export const createGoal: OperationHandler<'createGoal'> = async (request, { db, clock }) => {
  const user = authenticatedUser(request)
  const { name, description = '', parent_id = null } = request.body
  const row = await createGoalRow(db, clock, user.userId, { name, description, parent_id })
  return { status: 201, headers: { Location: goalUri(request.baseUrl, row.id) }, body: toGoalResource(row, request.baseUrl) }
}

export const getGoal: OperationHandler<'getGoal'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  const row = await selectGoal(db, user.userId, request.params.goalId)
  if (!row) throw noSuchGoal(request.params.goalId)
  return { status: 200, body: toGoalResource(row, request.baseUrl) }
}

export const replaceGoal: OperationHandler<'replaceGoal'> = async (request, { db, clock }) => {
  const user = authenticatedUser(request)
  const { name, description = '', parent_id = null, end = null } = request.body
  const row = await changeGoal(db, clock, user.userId, request.params.goalId, { name, description, parent_id, end })
  if (!row) throw noSuchGoal(request.params.goalId)
  return { status: 200, body: toGoalResource(row, request.baseUrl) }
}

export const updateGoal: OperationHandler<'updateGoal'> = async (request, { db, clock }) => {
  const user = authenticatedUser(request)
  const { name, description, parent_id, end } = request.body
  const changes = Object.fromEntries(Object.entries({ name, description, parent_id, end }).filter(([, value]) => value !== undefined)) as GoalChanges
  const row = await changeGoal(db, clock, user.userId, request.params.goalId, changes)
  if (!row) throw noSuchGoal(request.params.goalId)
  return { status: 200, body: toGoalResource(row, request.baseUrl) }
}

export const deleteGoal: OperationHandler<'deleteGoal'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  if ((await removeGoal(db, user.userId, request.params.goalId)) === 0) throw noSuchGoal(request.params.goalId)
  return { status: 204 }
}
