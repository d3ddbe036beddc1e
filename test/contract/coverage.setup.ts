/**
 * The coverage gate: once every test file has run, each (operation, status) pair the
 * spec declares must have been seen over real HTTP, except those in ./uncovered.ts, each
 * with the reason it cannot be triggered from outside. A report of every pair is written
 * to test-results/contract-coverage.md. On only in full runs (`CONTRACT_COVERAGE=1`).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Contract } from '../support/contract.js'
import { COVERAGE_DIR_VARIABLE } from '../support/coverage.js'
import { UNCOVERED } from './uncovered.js'

const REPORT_DIR = join(import.meta.dirname, '../../test-results')
const REPORT = join(REPORT_DIR, 'contract-coverage.md')

function seenPairs(dir: string): Set<string> {
  const pairs = new Set<string>()
  for (const file of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) if (line) pairs.add(line)
  }
  return pairs
}

export function checkCoverage(seen: Set<string>): { report: string; problems: string[] } {
  const contract = new Contract()
  const allowed = new Map(UNCOVERED.map((entry) => [`${entry.operationId} ${entry.status}`, entry.reason]))
  const rows: string[] = ['| operation | status | exercised |', '| --- | --- | --- |']
  const problems: string[] = []
  const declared = new Set<string>()
  for (const { operationId } of contract.operations()) {
    for (const status of contract.declaredStatuses(operationId).sort((a, b) => a - b)) {
      const pair = `${operationId} ${status}`
      declared.add(pair)
      const reason = allowed.get(pair)
      if (seen.has(pair)) {
        rows.push(`| ${operationId} | ${status} | yes |`)
        if (reason !== undefined) problems.push(`${pair} is exercised: remove it from test/contract/uncovered.ts`)
      } else if (reason !== undefined) {
        rows.push(`| ${operationId} | ${status} | no: ${reason} |`)
      } else {
        rows.push(`| ${operationId} | ${status} | **NO** |`)
        problems.push(`${pair} is declared but no test saw it`)
      }
    }
  }
  for (const pair of allowed.keys()) if (!declared.has(pair)) problems.push(`${pair} in uncovered.ts is not declared in the spec`)
  for (const pair of seen) if (!declared.has(pair)) problems.push(`${pair} was seen but is not declared (the contract checker should have failed)`)
  return { report: `# Contract coverage\n\n${seen.size} pairs seen, ${declared.size} declared.\n\n${rows.join('\n')}\n`, problems }
}

export function setup(): () => void {
  if (process.env.CONTRACT_COVERAGE !== '1') return () => undefined
  // The test processes inherit this variable, and record into this run's directory.
  const dir = mkdtempSync(join(tmpdir(), 'achiever-coverage-'))
  process.env[COVERAGE_DIR_VARIABLE] = dir
  return () => {
    const { report, problems } = checkCoverage(seenPairs(dir))
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(REPORT_DIR, { recursive: true })
    writeFileSync(REPORT, report)
    if (problems.length > 0) {
      // Vitest reports an error thrown here but still exits 0: set the exit code too.
      process.exitCode = 1
      throw new Error(`Contract coverage gate failed (report: ${REPORT}):\n  ${problems.join('\n  ')}`)
    }
  }
}
