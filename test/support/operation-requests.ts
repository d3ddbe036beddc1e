/**
 * One valid request for every operation in the spec, for the tests that hold every
 * operation to a rule (every one rejects an unknown query parameter, answers 500 when
 * the database is gone, is limited per user). `coversEveryOperation` keeps the table
 * honest when the spec grows.
 */
import type { ApiClient, RequestOptions } from './client.js'
import type { TestUser } from './server.js'

export interface PlannedRequest {
  readonly method: string
  readonly path: string
  readonly options: RequestOptions
}

type Plan = (user: TestUser, api: ApiClient) => Promise<PlannedRequest>

async function created(api: ApiClient, user: TestUser, path: string, json: unknown): Promise<number> {
  const res = await api.post<{ id: number }>(path, { auth: user.bearer, json })
  if (res.status !== 201) throw new Error(`could not create ${path}: ${res.status} ${res.text}`)
  return res.body.id
}

const taskOf = (api: ApiClient, user: TestUser) => created(api, user, '/api/v1/tasks', { title: 'Buy groceries' })
const goalOf = (api: ApiClient, user: TestUser) => created(api, user, '/api/v1/goals', { name: `Goal ${Math.random()}` })
const expenseOf = (api: ApiClient, user: TestUser) => created(api, user, '/api/v1/expenses', { description: 'Pizza', amount: 12.5 })

const get = (path: string, user?: TestUser): PlannedRequest => ({ method: 'GET', path, options: user ? { auth: user.bearer } : {} })

export const VALID_REQUESTS: Readonly<Record<string, Plan>> = {
  createUser: async () => {
    const name = `new${Math.floor(Math.random() * 1e9)}`
    return { method: 'POST', path: '/api/v1/users', options: { json: { username: name, email: `${name}@example.com`, password: 'a-long-password' } } }
  },
  getCurrentUser: async (user) => get('/api/v1/users/me', user),
  updateCurrentUser: async (user) => ({ method: 'PATCH', path: '/api/v1/users/me', options: { auth: user.bearer, json: { email: `${user.username}@example.net` } } }),
  deleteCurrentUser: async (user) => ({ method: 'DELETE', path: '/api/v1/users/me', options: { auth: user.bearer } }),
  getUser: async (user) => get(`/api/v1/users/${user.id}`, user),
  createToken: async (user) => ({ method: 'POST', path: '/api/v1/tokens', options: { auth: user.basic } }),
  revokeCurrentToken: async (user) => ({ method: 'DELETE', path: '/api/v1/tokens/current', options: { auth: user.bearer } }),
  listTasks: async (user) => get('/api/v1/tasks', user),
  createTask: async (user) => ({ method: 'POST', path: '/api/v1/tasks', options: { auth: user.bearer, json: { title: 'Read a book' } } }),
  getTask: async (user, api) => get(`/api/v1/tasks/${await taskOf(api, user)}`, user),
  replaceTask: async (user, api) => ({
    method: 'PUT',
    path: `/api/v1/tasks/${await taskOf(api, user)}`,
    options: { auth: user.bearer, json: { title: 'Read two books' } },
  }),
  updateTask: async (user, api) => ({ method: 'PATCH', path: `/api/v1/tasks/${await taskOf(api, user)}`, options: { auth: user.bearer, json: { done: true } } }),
  deleteTask: async (user, api) => ({ method: 'DELETE', path: `/api/v1/tasks/${await taskOf(api, user)}`, options: { auth: user.bearer } }),
  listGoals: async (user) => get('/api/v1/goals', user),
  createGoal: async (user) => ({ method: 'POST', path: '/api/v1/goals', options: { auth: user.bearer, json: { name: `Run ${Math.random()}` } } }),
  getGoalTree: async (user) => get('/api/v1/goals/tree', user),
  getGoal: async (user, api) => get(`/api/v1/goals/${await goalOf(api, user)}`, user),
  replaceGoal: async (user, api) => ({
    method: 'PUT',
    path: `/api/v1/goals/${await goalOf(api, user)}`,
    options: { auth: user.bearer, json: { name: `Swim ${Math.random()}` } },
  }),
  updateGoal: async (user, api) => ({
    method: 'PATCH',
    path: `/api/v1/goals/${await goalOf(api, user)}`,
    options: { auth: user.bearer, json: { description: 'Soon' } },
  }),
  deleteGoal: async (user, api) => ({ method: 'DELETE', path: `/api/v1/goals/${await goalOf(api, user)}`, options: { auth: user.bearer } }),
  listIncomes: async (user) => get('/api/v1/incomes', user),
  createIncome: async (user) => ({ method: 'POST', path: '/api/v1/incomes', options: { auth: user.bearer, json: { description: 'Salary', amount: 5000 } } }),
  listExpenses: async (user) => get('/api/v1/expenses', user),
  createExpense: async (user) => ({ method: 'POST', path: '/api/v1/expenses', options: { auth: user.bearer, json: { description: 'Rent', amount: 800 } } }),
  listTransactions: async (user) => get('/api/v1/transactions', user),
  getTransaction: async (user, api) => get(`/api/v1/transactions/${await expenseOf(api, user)}`, user),
  deleteTransaction: async (user, api) => ({ method: 'DELETE', path: `/api/v1/transactions/${await expenseOf(api, user)}`, options: { auth: user.bearer } }),
  getBalance: async (user) => get('/api/v1/balance', user),
  checkLiveness: async () => get('/healthz'),
  checkReadiness: async () => get('/readyz'),
  getOpenApiYaml: async () => get('/openapi.yaml'),
  getOpenApiJson: async () => get('/openapi.json'),
  getDocs: async () => get('/docs'),
}

/** Adds a query parameter to a planned request's path. */
export function withQuery(request: PlannedRequest, name: string, value: string): PlannedRequest {
  const separator = request.path.includes('?') ? '&' : '?'
  return { ...request, path: `${request.path}${separator}${encodeURIComponent(name)}=${encodeURIComponent(value)}` }
}
