/** One handler per task operation in `openapi.yaml`: the request in, tasks.service.ts's answer out. */
import { authenticatedUser } from '../auth/principal.js'
import type { OperationHandler } from '../core/operations.js'
import { listPage } from '../core/pagination.js'
import { listUri, taskUri } from '../core/uris.js'
import type { TaskRow } from '../db/tables/tasks.table.js'
import { NotFoundError } from '../errors.js'
import { countTasks, selectTask, selectTasks, taskSortKey } from './tasks.repository.js'
import { toTaskResource } from './tasks.resource.js'
import { changeTask, createTask as createTaskRow, removeTask } from './tasks.service.js'

function noSuchTask(id: number): NotFoundError {
  return new NotFoundError(`There is no task ${id}.`)
}

export const listTasks: OperationHandler<'listTasks'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  const { done, q, sort = 'created_at' } = request.query
  const filter = { done, titleContains: q }
  const { rows, meta, link } = await listPage<TaskRow>(request.query, {
    list: 'tasks',
    url: listUri(request.baseUrl, 'tasks'),
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

export const createTask: OperationHandler<'createTask'> = async (request, { db, clock }) => {
  const user = authenticatedUser(request)
  const { title, description = '', done = false } = request.body
  const row = await createTaskRow(db, clock, user.userId, { title, description, done })
  return { status: 201, headers: { Location: taskUri(request.baseUrl, row.id) }, body: toTaskResource(row, request.baseUrl) }
}

export const getTask: OperationHandler<'getTask'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  const row = await selectTask(db, user.userId, request.params.taskId)
  if (!row) throw noSuchTask(request.params.taskId)
  return { status: 200, body: toTaskResource(row, request.baseUrl) }
}

/** PUT sets every field: those left out take their defaults. */
export const replaceTask: OperationHandler<'replaceTask'> = async (request, { db, clock }) => {
  const user = authenticatedUser(request)
  const { title, description = '', done = false } = request.body
  const row = await changeTask(db, clock, user.userId, request.params.taskId, { title, description, done })
  if (!row) throw noSuchTask(request.params.taskId)
  return { status: 200, body: toTaskResource(row, request.baseUrl) }
}

/** PATCH (a merge patch) sets the fields it sends. */
export const updateTask: OperationHandler<'updateTask'> = async (request, { db, clock }) => {
  const user = authenticatedUser(request)
  const { title, description, done } = request.body
  const row = await changeTask(db, clock, user.userId, request.params.taskId, { title, description, done })
  if (!row) throw noSuchTask(request.params.taskId)
  return { status: 200, body: toTaskResource(row, request.baseUrl) }
}

export const deleteTask: OperationHandler<'deleteTask'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  if (!(await removeTask(db, user.userId, request.params.taskId))) throw noSuchTask(request.params.taskId)
  return { status: 204 }
}
