/**
 * The coverage gate: once every test file has run, each (operation, status) pair the
 * spec declares must have been seen over real HTTP, except those in ./uncovered.ts, each
 * with the reason it cannot be triggered from outside. A report of every pair is written
 * to test-results/contract-coverage.md. On only in full runs (`CONTRACT_COVERAGE=1`).
 *
 * It is a reporter, not a global setup, because it must know how the run went: when a
 * test failed or the run was interrupted, the pairs that test would have seen are missing
 * for that reason alone, and a list of them would bury the failure that is the story. So
 * it judges only a run that passed, and says nothing at all about the others.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from 'vitest/node'
import { Contract } from '../support/contract.js'
import { COVERAGE_DIR_VARIABLE } from '../support/coverage.js'
import { UNCOVERED } from './uncovered.js'

const REPORT = join(import.meta.dirname, '../../test-results/contract-coverage.md')

function seenPairs(dir: string): Set<string> {
  const pairs = new Set<string>()
  for (const file of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) if (line) pairs.add(line)
  }
  return pairs
}

function checkCoverage(seen: Set<string>): { report: string; problems: string[] } {
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

export class ContractCoverageGate implements Reporter {
  /** This run's directory of seen pairs; undefined when the gate is off. */
  private dir: string | undefined

  /**
   * @param env where `CONTRACT_COVERAGE` is read and the run's directory is given to the
   *   test processes, which inherit it: process.env, except in the gate's own tests.
   */
  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly reportPath = REPORT,
  ) {}

  onInit(): void {
    if (this.env.CONTRACT_COVERAGE !== '1') return
    this.dir = mkdtempSync(join(tmpdir(), 'achiever-coverage-'))
    this.env[COVERAGE_DIR_VARIABLE] = this.dir
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): void {
    const dir = this.dir
    if (dir === undefined) return
    this.dir = undefined
    const seen = seenPairs(dir)
    rmSync(dir, { recursive: true, force: true })
    if (reason !== 'passed' || unhandledErrors.length > 0) return
    const { report, problems } = checkCoverage(seen)
    mkdirSync(dirname(this.reportPath), { recursive: true })
    writeFileSync(this.reportPath, report)
    if (problems.length > 0) {
      // Printed after Vitest's summary, which said "passed": the exit code says otherwise.
      process.exitCode = 1
      console.error(`\nContract coverage gate failed (report: ${this.reportPath}):\n  ${problems.join('\n  ')}\n`)
    }
  }
}
