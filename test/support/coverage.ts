/**
 * Which (operation, status) pairs the tests have seen over real HTTP. Each test process
 * appends the pairs it sees first to its own file, in a directory the gate
 * (test/contract/coverage-gate.ts) makes for the run and reads once every test has run.
 * Recording is on only in full runs (`CONTRACT_COVERAGE=1`, set by `npm test`).
 */
import { appendFileSync } from 'node:fs'
import { join } from 'node:path'

/** Set by the gate's global setup for this run only, so that concurrent runs cannot mix. */
export const COVERAGE_DIR_VARIABLE = 'CONTRACT_COVERAGE_DIR'

const seen = new Set<string>()

export function exercised(operationId: string | undefined, status: number): void {
  const dir = process.env[COVERAGE_DIR_VARIABLE]
  if (dir === undefined || operationId === undefined) return
  const pair = `${operationId} ${status}`
  if (seen.has(pair)) return
  seen.add(pair)
  appendFileSync(join(dir, `${process.pid}.txt`), `${pair}\n`)
}
