import { expect } from 'vitest'
import type { ApiResponse } from './client.js'
import type { Problem } from './server.js'

/** A problem+json response with this status and code (the contract checks the rest of its shape). */
export function expectProblem(res: ApiResponse<Problem>, status: number, code: Problem['code']): void {
  expect(res.status, res.text).toBe(status)
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  expect(res.body.status).toBe(status)
  expect(res.body.code).toBe(code)
}
