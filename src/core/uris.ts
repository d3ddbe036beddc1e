/**
 * Where each resource and list of the API lives: the one module that knows the API's
 * path prefix. Resources' `uri` fields, `Location` headers and the lists' `Link` headers
 * are all built here, from the request's base URL (`scheme://host[:port]`).
 */

/** The path every API operation is under (the spec's paths all start with it). */
export const API_PREFIX = '/api/v1'

/** The lists of the API, by the path that serves each. */
export type ListName = 'tasks' | 'goals' | 'incomes' | 'expenses' | 'transactions'

// Built once: a resource's URI is then one concatenation per response row.
const TASKS = `${API_PREFIX}/tasks/`
const GOALS = `${API_PREFIX}/goals/`
const TRANSACTIONS = `${API_PREFIX}/transactions/`
const USERS = `${API_PREFIX}/users/`

/** A list's absolute URL, without a query: what its `Link` headers start with. */
export function listUri(baseUrl: string, list: ListName): string {
  return `${baseUrl}${API_PREFIX}/${list}`
}

export function taskUri(baseUrl: string, id: number): string {
  return `${baseUrl}${TASKS}${id}`
}

export function goalUri(baseUrl: string, id: number): string {
  return `${baseUrl}${GOALS}${id}`
}

/** Incomes and expenses alike: each is one transaction, at `/transactions/{id}`. */
export function transactionUri(baseUrl: string, id: number): string {
  return `${baseUrl}${TRANSACTIONS}${id}`
}

export function userUri(baseUrl: string, id: number): string {
  return `${baseUrl}${USERS}${id}`
}
