/** The URI builder names paths the spec serves: a change of the spec's prefix or a path fails here, not in a client. */
import { describe, expect, it } from 'vitest'
import { defaultConfig } from '../../src/config.js'
import { API_PREFIX, goalUri, type ListName, listUri, taskUri, transactionUri, userUri } from '../../src/core/uris.js'
import { loadSpec } from '../../src/spec/spec.js'

const paths = Object.keys(loadSpec(defaultConfig.rootDir).document().paths ?? {})

/** The spec's path that `path` is an instance of (`/api/v1/tasks/7` of `/api/v1/tasks/{taskId}`). */
function specPathOf(path: string): string | undefined {
  return paths.find((template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path))
}

const BASE = 'https://achiever.example:8443'

describe('URIs', () => {
  it.each([
    [taskUri(BASE, 7), '/api/v1/tasks/{taskId}'],
    [goalUri(BASE, 7), '/api/v1/goals/{goalId}'],
    [transactionUri(BASE, 7), '/api/v1/transactions/{transactionId}'],
    [userUri(BASE, 7), '/api/v1/users/{userId}'],
  ])('%s is a path of the spec (%s), under the base URL', (uri, template) => {
    expect(uri.startsWith(`${BASE}${API_PREFIX}/`)).toBe(true)
    expect(uri.endsWith('/7')).toBe(true)
    expect(specPathOf(uri.slice(BASE.length))).toBe(template)
  })

  it.each<ListName>(['tasks', 'goals', 'incomes', 'expenses', 'transactions'])('the %s list is a path of the spec', (list) => {
    expect(specPathOf(listUri(BASE, list).slice(BASE.length))).toBe(`${API_PREFIX}/${list}`)
  })
})
