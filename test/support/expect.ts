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

/** A timestamp as the API writes every one: UTC, with milliseconds. */
export const RFC3339_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** Long enough for the clock to move on by at least one millisecond. */
export const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5))

/** The JSON Pointers a problem names, sorted. */
export function pointersOf(problem: Problem): string[] {
  return (problem.errors ?? []).map((error) => error.pointer ?? '<no pointer>').sort()
}

/** The parameters a problem names, sorted. */
export function parametersOf(problem: Problem): string[] {
  return (problem.errors ?? []).map((error) => error.parameter ?? '<no parameter>').sort()
}

/** `rel` to URL, from an RFC 8288 `Link` header. */
export function parseLinks(header: string | null): Record<string, string> {
  const links: Record<string, string> = {}
  for (const match of (header ?? '').matchAll(/<([^>]*)>\s*;\s*rel="([^"]+)"/g)) {
    const [, url, rel] = match
    if (url !== undefined && rel !== undefined) links[rel] = url
  }
  return links
}

/** The one body every 500 has: nothing about what went wrong inside. */
export const BARE_INTERNAL_ERROR: Problem = {
  type: '/problems/internal-error',
  title: 'Internal server error',
  status: 500,
  detail: 'Something went wrong on our side. Quote the X-Request-Id when you report it.',
  code: 'INTERNAL_ERROR',
}
