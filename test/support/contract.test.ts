/**
 * The checker that every other test relies on must itself catch violations; these feed
 * it hand-made responses that break the spec in each way it guards.
 */
import { describe, expect, it } from 'vitest'
import { Contract, ContractViolation, type ObservedResponse } from './contract.js'

const contract = new Contract()

const task = {
  id: 1,
  uri: 'http://localhost/api/v1/tasks/1',
  title: 'Buy groceries',
  description: '',
  done: false,
  created_at: '2026-11-21T10:00:00.000Z',
  updated_at: '2026-11-21T10:00:00.000Z',
}

function response(overrides: Partial<ObservedResponse> & { json?: unknown; headerList?: Record<string, string> }): ObservedResponse {
  const headers = new Headers({
    'x-request-id': 'r1',
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'private, no-cache',
    etag: '"1-abc"',
    vary: 'Authorization',
    ...overrides.headerList,
  })
  return {
    method: 'GET',
    path: '/api/v1/tasks/1',
    status: 200,
    headers,
    text: overrides.json === undefined ? (overrides.text ?? '') : JSON.stringify(overrides.json),
    ...overrides,
  }
}

describe('Contract.check', () => {
  it('accepts a response that keeps the contract', () => {
    expect(contract.check(response({ json: task }))?.operationId).toBe('getTask')
  })

  it('rejects a status the operation does not declare', () => {
    expect(() => contract.check(response({ status: 201, json: task }))).toThrow(ContractViolation)
  })

  it('rejects a field the schema does not declare (a leaked column)', () => {
    expect(() => contract.check(response({ json: { ...task, user_id: 7 } }))).toThrow(/user_id|additional/)
  })

  it('rejects a missing required field and a wrong type', () => {
    const { title: _title, ...untitled } = task
    expect(() => contract.check(response({ json: untitled }))).toThrow(ContractViolation)
    expect(() => contract.check(response({ json: { ...task, done: 'no' } }))).toThrow(ContractViolation)
  })

  it('rejects the wrong Content-Type', () => {
    expect(() => contract.check(response({ json: task, headerList: { 'content-type': 'text/html' } }))).toThrow(/Content-Type/)
  })

  it('rejects a 201 without its required Location header', () => {
    expect(() => contract.check(response({ method: 'POST', path: '/api/v1/tasks', status: 201, json: task }))).toThrow(/Location/)
  })

  it('rejects a 200 without its required ETag', () => {
    const observed = response({ json: task })
    observed.headers.delete('etag')
    expect(() => contract.check(observed)).toThrow(/ETag/)
  })

  it('rejects a body on a 204', () => {
    expect(() => contract.check(response({ method: 'DELETE', status: 204, text: 'gone' }))).toThrow(/no body/)
  })

  it('rejects a response without X-Request-Id', () => {
    const observed = response({ json: task })
    observed.headers.delete('x-request-id')
    expect(() => contract.check(observed)).toThrow(/X-Request-Id/)
  })

  it('rejects a problem whose status differs from the HTTP status', () => {
    const problem = { type: '/problems/not-found', title: 'Not found', status: 410, detail: 'x', code: 'NOT_FOUND' }
    const observed = response({ status: 404, json: problem, headerList: { 'content-type': 'application/problem+json' } })
    expect(() => contract.check(observed)).toThrow(/problem status/)
  })

  it('requires unknown paths to be 404 problems, and wrong methods 405 with Allow', () => {
    const problem = { type: '/problems/not-found', title: 'Not found', status: 404, detail: 'x', code: 'NOT_FOUND' }
    const headerList = { 'content-type': 'application/problem+json' }
    expect(contract.check(response({ path: '/nope', status: 404, json: problem, headerList }))).toBeUndefined()
    expect(() => contract.check(response({ path: '/nope', status: 200, json: task }))).toThrow(/404/)
    const notAllowed = { ...problem, status: 405, code: 'METHOD_NOT_ALLOWED', type: '/problems/method-not-allowed' }
    expect(() => contract.check(response({ method: 'PUT', path: '/api/v1/tasks', status: 405, json: notAllowed, headerList }))).toThrow(/Allow/)
  })
})
