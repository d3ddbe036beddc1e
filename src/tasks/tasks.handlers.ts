/** One handler per task operation in `openapi.yaml`. */
import { NotFoundError } from '../errors.js'
import { authenticatedUser } from '../http/auth.js'
import type { OperationHandler } from '../core/operations.js'
import { whileAccountExists } from '../users/account-gone.js'
import { listPage } from '../core/pagination.js'
import {
  countTasks,
  deleteTask as deleteTaskRow,
  insertTask,
  selectTask, selectTasks, taskSortKey, updateTask as updateTaskRow } from './tasks.repository.js'
import { taskUri, toTaskResource } from './tasks.resource.js'
import type { TaskRow } from './tasks.table.js'

function noSuchTask(id: number): NotFoundError {
  return new NotFoundError(`There is no task ${id}.`)
}

export const listTasks: OperationHandler<'listTasks'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  const { done, q, sort = 'created_at' } = request.query
  const filter = { done, titleContains: q }
  const { rows, meta, link } = await listPage<TaskRow>(request.query, {
    list: 'tasks',
    url: `${request.baseUrl}/api/v1/tasks`,
    filters: { done, q, sort },
    sortKey: (row) => taskSortKey(row, sort),
    rows: (range) => selectTasks(db, user.userId, filter, sort, range),
    count: () => countTasks(db, user.userId, filter),
  })
  return {
    status: 200,
    headers: { Link: link },
    body: { data: rows.map((row) => toTaskResource(row, request.baseUrl)), meta },
  }
}

export const createTask: OperationHandler<'createTask'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  const { title, description = '', done = false } = request.body
  // No transaction: a task depends on nothing read first, and the account's deletion
  // racing it is ordered by the foreign key (account-gone.ts).
  const row = await whileAccountExists(() => insertTask(db, user.userId, { title, description, done }, new Date().toISOString()))
  return { status: 201, headers: { Location: taskUri(request.baseUrl, row.id) }, body: toTaskResource(row, request.baseUrl) }
}

export const getTask: OperationHandler<'getTask'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  const row = await selectTask(db, user.userId, request.params.taskId)
  if (!row) throw noSuchTask(request.params.taskId)
  return { status: 200, body: toTaskResource(row, request.baseUrl) }
}

export const replaceTask: OperationHandler<'replaceTask'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  const { title, description = '', done = false } = request.body
  const row = await updateTaskRow(db, user.userId, request.params.taskId, { title, description, done }, new Date().toISOString())
  if (!row) throw noSuchTask(request.params.taskId)
  return { status: 200, body: toTaskResource(row, request.baseUrl) }
}

export const updateTask: OperationHandler<'updateTask'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  const { title, description, done } = request.body
  // An empty patch changes nothing, not even updated_at; the repository skips the fields not sent.
  const row =
    title === undefined && description === undefined && done === undefined
      ? await selectTask(db, user.userId, request.params.taskId)
      : await updateTaskRow(db, user.userId, request.params.taskId, { title, description, done }, new Date().toISOString())
  if (!row) throw noSuchTask(request.params.taskId)
  return { status: 200, body: toTaskResource(row, request.baseUrl) }
}

export const deleteTask: OperationHandler<'deleteTask'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  if (!(await deleteTaskRow(db, user.userId, request.params.taskId))) throw noSuchTask(request.params.taskId)
  return { status: 204 }
}
