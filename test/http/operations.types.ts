/**
 * Compile-time tests, checked by `tsc` in `npm run lint` (and so by `npm test`): each
 * `@ts-expect-error` line must be an error, or the build fails. They prove that the
 * generated types, not a runtime test, reject handlers that stray from the spec.
 */
import type { Handlers, OperationHandler } from '../../src/core/operations.js'
import { handlers } from '../../src/handlers.js'

const task = {
  id: 1,
  uri: 'http://localhost:3000/api/v1/tasks/1',
  title: 'Buy groceries',
  description: '',
  done: false,
  created_at: '2026-11-21T10:00:00.000Z',
  updated_at: '2026-11-21T10:00:00.000Z',
}

// A status the operation declares, with its body: compiles.
export const fine: OperationHandler<'getTask'> = async () => ({ status: 200, body: task })

// @ts-expect-error 201 is not a status getTask declares.
export const undeclaredStatus: OperationHandler<'getTask'> = async () => ({ status: 201, body: task })

// @ts-expect-error the body lacks `title`, which Task requires.
export const wrongBody: OperationHandler<'getTask'> = async () => ({ status: 200, body: { ...task, title: undefined } })

// An extra field in a body built by hand is not a compile error (TypeScript checks excess
// properties only in some positions); the response checks in every HTTP test catch it,
// since every response schema is closed with additionalProperties: false.

// @ts-expect-error a 204 has no body.
export const bodyOn204: OperationHandler<'deleteTask'> = async () => ({ status: 204, body: task })

// @ts-expect-error a 201 must say where the new task lives (Location).
export const missingLocation: OperationHandler<'createTask'> = async () => ({ status: 201, body: task })

export const withLocation: OperationHandler<'createTask'> = async () => ({
  status: 201,
  headers: { Location: task.uri },
  body: task,
})

// @ts-expect-error the request body of createTask has no `owner`.
export const readsUnknownField: OperationHandler<'createTask'> = async (request) => ({ status: 201, headers: { Location: request.body.owner }, body: task })

// @ts-expect-error path parameters are numbers, typed from the spec.
export const stringId: OperationHandler<'getTask'> = async (request) => ({ status: 200, body: { ...task, id: request.params.taskId.toUpperCase() } })

// Header parameters are typed by the names the spec gives them, on the operations that declare them.
export const readsKey: OperationHandler<'createTask'> = async (request) => ({
  status: 201,
  headers: { Location: request.headers['Idempotency-Key'] ?? task.uri },
  body: task,
})

// @ts-expect-error getTask declares no Idempotency-Key.
export const readsUndeclaredHeader: OperationHandler<'getTask'> = async (request) => ({ status: 200, body: { ...task, title: request.headers['Idempotency-Key'] } })

// @ts-expect-error `replayed` is the idempotency layer's to say (src/idempotency/), never a handler's.
export const notReplayed: OperationHandler<'getTask'> = async () => ({ status: 200, body: task, replayed: false })

const { getTask: _removed, ...withoutGetTask } = handlers
// @ts-expect-error every operation in the spec needs a handler.
export const incomplete: Handlers = withoutGetTask

// @ts-expect-error a handler for an operation the spec does not have.
export const misnamed: Handlers = { ...handlers, getTasks: handlers.getTask }
