/** One handler per task operation in `openapi.yaml`. */
import { NotFoundError } from '../errors.js'
import { authenticatedUser } from '../http/auth.js'
import type { OperationHandler } from '../http/operations.js'
import { offsetOf, pageLinks, pageMeta, pageRequest } from '../http/pagination.js'
import {
  deleteTask as deleteTaskRow,
  insertTask,
  type TaskFields, selectTask, selectTaskPage, updateTask as updateTaskRow } from './tasks.repository.js'
import { taskUri, toTaskResource } from './tasks.resource.js'

function noSuchTask(id: number): NotFoundError {
  return new NotFoundError(`There is no task ${id}.`)
}

export const listTasks: OperationHandler<'listTasks'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  const { done, q, sort = 'created_at' } = request.query
  const page = pageRequest(request.query)
  const { rows, total } = await selectTaskPage(db, user.userId, { done, titleContains: q }, sort, page.perPage, offsetOf(page))
  const meta = pageMeta(page, total)
  return {
    status: 200,
    headers: { Link: pageLinks(`${request.baseUrl}/api/v1/tasks`, { done, q, sort }, meta) },
    body: { data: rows.map((row) => toTaskResource(row, request.baseUrl)), meta },
  }
}

export const createTask: OperationHandler<'createTask'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  const { title, description = '', done = false } = request.body
  const row = await insertTask(db, user.userId, { title, description, done }, new Date().toISOString())
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
  const changes = Object.fromEntries(
    Object.entries({ title, description, done }).filter(([, value]) => value !== undefined),
  ) as Partial<TaskFields>
  const row =
    Object.keys(changes).length === 0
      ? await selectTask(db, user.userId, request.params.taskId)
      : await updateTaskRow(db, user.userId, request.params.taskId, changes, new Date().toISOString())
  if (!row) throw noSuchTask(request.params.taskId)
  return { status: 200, body: toTaskResource(row, request.baseUrl) }
}

export const deleteTask: OperationHandler<'deleteTask'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  if (!(await deleteTaskRow(db, user.userId, request.params.taskId))) throw noSuchTask(request.params.taskId)
  return { status: 204 }
}
