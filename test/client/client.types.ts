/**
 * Compile-time tests of the SDK, checked by `tsc` in `npm run lint` (never run): each
 * `@ts-expect-error` line must be an error, or the build fails. They prove that calls
 * which stray from the spec do not compile, and that results carry the spec's types.
 */
import { type AchieverClient, createAchieverClient, type ListPath, listAll, login, type Problem, type Schemas } from '../../src/client/index.js'

/** True only when A and B are the same type (not merely assignable one way). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false

const api: AchieverClient = createAchieverClient({ baseUrl: 'http://localhost:3000', auth: { bearer: 'token' } })
const path = { params: { path: { taskId: 1 } } }

export async function results(): Promise<void> {
  const { data, error } = await api.GET('/api/v1/tasks/{taskId}', path)

  // `data` is the Task schema and `error` the Problem schema, exactly.
  const dataIsTask: Equals<NonNullable<typeof data>, Schemas['Task']> = true
  const errorIsProblem: Equals<NonNullable<typeof error>, Problem> = true
  void [dataIsTask, errorIsProblem]

  if (error) {
    const code: Problem['code'] = error.code
    const pointers: Array<string | undefined> = (error.errors ?? []).map((e) => e.pointer)
    void [code, pointers]
    // @ts-expect-error a Problem has no `message` (it is `detail`).
    void error.message
    // @ts-expect-error a field error has no `field` (it is `pointer` or `parameter`).
    void error.errors?.[0]?.field
    // @ts-expect-error `code` is one of the spec's codes, not any string.
    const unknownCode: typeof error.code = 'NOT_A_CODE'
    void unknownCode
  } else {
    const done: boolean = data.done
    void done
    // @ts-expect-error a Task has no `owner`: the spec never returns it.
    void data.owner
  }

  // Another operation's data is its own schema.
  const tree = await api.GET('/api/v1/goals/tree')
  const treeIsGoalTree: Equals<NonNullable<typeof tree.data>, Schemas['GoalTree']> = true
  void treeIsGoalTree

  // login: the client is there exactly when the problem is not.
  const session = await login({ baseUrl: 'http://localhost:3000', username: 'miguel', password: 'python-rocks' })
  if (session.error) {
    const code: Problem['code'] = session.error.code
    void code
    // @ts-expect-error no client without a token.
    void session.client.GET('/api/v1/users/me')
  } else {
    const expiresAt: string = session.token.expires_at
    void [expiresAt, session.client.GET('/api/v1/users/me')]
  }
}

export async function requests(): Promise<void> {
  // @ts-expect-error no such path (it is /api/v1/tasks/{taskId}).
  await api.GET('/api/v1/task/{taskId}', path)

  // @ts-expect-error the path exists, but not with this method.
  await api.POST('/api/v1/tasks/{taskId}', path)

  // @ts-expect-error the path parameter is missing.
  await api.GET('/api/v1/tasks/{taskId}')

  // @ts-expect-error path parameters are numbers, typed from the spec.
  await api.GET('/api/v1/tasks/{taskId}', { params: { path: { taskId: 'one' } } })

  // @ts-expect-error `sort` takes only the spec's values.
  await api.GET('/api/v1/tasks', { params: { query: { sort: 'due_date' } } })

  // @ts-expect-error `done` is a boolean in the spec, not a string.
  await api.PATCH('/api/v1/tasks/{taskId}', { ...path, body: { done: 'yes' } })

  // @ts-expect-error a misspelt required field (`titel`) leaves `title` missing.
  await api.POST('/api/v1/tasks', { body: { titel: 'Read a book', description: '', done: false } })

  // Not caught: an unknown field next to valid ones (`{ done: true, owner: 2 }`) compiles,
  // because openapi-fetch infers the whole init object as a type parameter and so skips
  // TypeScript's excess-property check (openapi-ts/openapi-typescript#2329). The server
  // refuses it at run time: every request schema is closed, so it is a 422 VALIDATION_ERROR.

  // @ts-expect-error `title` is required to create a task.
  await api.POST('/api/v1/tasks', { body: { description: 'no title', done: false } })

  // @ts-expect-error createTask needs a body.
  await api.POST('/api/v1/tasks')

  // @ts-expect-error an income's amount is a number.
  await api.POST('/api/v1/incomes', { body: { description: 'Salary', amount: '5000' } })

  // @ts-expect-error auth is Basic with a username and password, or Bearer.
  createAchieverClient({ baseUrl: 'http://localhost:3000', auth: { basic: ['miguel', 'python-rocks'] } })
}

export async function lists(): Promise<void> {
  // listAll yields the list's items, typed, and takes its filters (not page or cursor).
  for await (const task of listAll(api, '/api/v1/tasks', { query: { done: false, sort: '-title', per_page: 100, include_total: false } })) {
    const isTask: Equals<typeof task, Schemas['Task']> = true
    void isTask
  }
  for await (const transaction of listAll(api, '/api/v1/transactions', { query: { type: 'income' } })) {
    const isTransaction: Equals<typeof transaction, Schemas['Transaction']> = true
    void isTransaction
  }
  const paths: Equals<ListPath, '/api/v1/tasks' | '/api/v1/goals' | '/api/v1/incomes' | '/api/v1/expenses' | '/api/v1/transactions'> = true
  void paths
  // @ts-expect-error a walk starts at the beginning: no page number.
  void listAll(api, '/api/v1/tasks', { query: { page: 2 } })
  // @ts-expect-error nor a cursor.
  void listAll(api, '/api/v1/goals', { query: { cursor: 'x' } })
  // @ts-expect-error the tree is not a paged list.
  void listAll(api, '/api/v1/goals/tree')
}
