/**
 * The API's paths as the tests send them, and query strings built the one way: what a
 * transcript reads as `GET /api/v1/tasks?page=2`.
 */
export const TASKS = '/api/v1/tasks'
export const GOALS = '/api/v1/goals'
export const TREE = '/api/v1/goals/tree'
export const TRANSACTIONS = '/api/v1/transactions'
export const BALANCE = '/api/v1/balance'
export const ME = '/api/v1/users/me'

/** A query's values by parameter name. */
export type Query = Readonly<Record<string, string | number | boolean>>

/** `path` with `query` as its query string; `path` alone when the query is empty. */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) params.set(name, String(value))
  const search = params.toString()
  return search ? `${path}?${search}` : path
}
