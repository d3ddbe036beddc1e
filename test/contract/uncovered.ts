/**
 * (operation, status) pairs the spec declares that no test can make happen from outside,
 * each with the reason. The coverage gate (./coverage-gate.ts) fails on any other gap,
 * and on an entry here that a test does exercise.
 */
export interface Uncovered {
  readonly operationId: string
  readonly status: number
  readonly reason: string
}

const SERVED_FROM_MEMORY = 'answered from memory, with no database or file to fail; a 500 here would be a bug in the server itself'

export const UNCOVERED: readonly Uncovered[] = [
  { operationId: 'checkLiveness', status: 500, reason: 'answers from memory with nothing that can fail; a 500 would be a bug in the server itself' },
  { operationId: 'checkReadiness', status: 500, reason: 'a failing database is its 503; nothing else it does can fail' },
  { operationId: 'getOpenApiYaml', status: 500, reason: SERVED_FROM_MEMORY },
  { operationId: 'getOpenApiJson', status: 500, reason: SERVED_FROM_MEMORY },
]
