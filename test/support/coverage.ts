/**
 * Which (operation, status) pairs the tests have seen over real HTTP. Each test process
 * appends the pairs it sees first to its own file; the gate in
 * test/contract/coverage.setup.ts reads them all once every test has run.
 * Recording is on only in full runs (`CONTRACT_COVERAGE=1`, set by `npm test`).
 */
import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'

export const COVERAGE_DIR = join(import.meta.dirname, '../../test-results/contract-coverage')

const seen = new Set<string>()
const enabled = process.env.CONTRACT_COVERAGE === '1'

export function exercised(operationId: string | undefined, status: number): void {
  if (!enabled || operationId === undefined) return
  const pair = `${operationId} ${status}`
  if (seen.has(pair)) return
  seen.add(pair)
  mkdirSync(COVERAGE_DIR, { recursive: true })
  appendFileSync(join(COVERAGE_DIR, `${process.pid}.txt`), `${pair}\n`)
}
