/**
 * The coverage gate judges a run that passed and keeps quiet about one that did not: a
 * failed test leaves the pairs it would have seen unseen, and a list of them would bury
 * the failure. Each case drives the reporter as Vitest does, with an environment and a
 * report path of its own, so the real run's gate is untouched.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest'
import type { TestRunEndReason } from 'vitest/node'
import { Contract } from '../support/contract.js'
import { COVERAGE_DIR_VARIABLE } from '../support/coverage.js'
import { ContractCoverageGate } from './coverage-gate.js'
import { UNCOVERED } from './uncovered.js'

let scratch: string
let report: string
let printed: MockInstance<typeof console.error>
let exitCodeBefore: typeof process.exitCode

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'achiever-gate-test-'))
  report = join(scratch, 'contract-coverage.md')
  printed = vi.spyOn(console, 'error').mockImplementation(() => undefined)
  exitCodeBefore = process.exitCode
})

afterEach(() => {
  process.exitCode = exitCodeBefore
  vi.restoreAllMocks()
  rmSync(scratch, { recursive: true, force: true })
})

/** A gate that has been through onInit with `CONTRACT_COVERAGE=1`, and the directory it made. */
function startedGate(): { gate: ContractCoverageGate; dir: string } {
  const env: NodeJS.ProcessEnv = { CONTRACT_COVERAGE: '1' }
  const gate = new ContractCoverageGate(env, report)
  gate.onInit()
  const dir = env[COVERAGE_DIR_VARIABLE]
  if (dir === undefined) throw new Error('the gate gave the test processes no directory')
  return { gate, dir }
}

/** Every pair the spec declares but those that cannot be triggered: what a complete run sees. */
function everyTriggerablePair(): string[] {
  const contract = new Contract()
  const untriggerable = new Set(UNCOVERED.map((entry) => `${entry.operationId} ${entry.status}`))
  return contract
    .operations()
    .flatMap(({ operationId }) => contract.declaredStatuses(operationId).map((status) => `${operationId} ${status}`))
    .filter((pair) => !untriggerable.has(pair))
}

describe('after a run that passed', () => {
  it('fails it, naming each gap, when a declared pair went unseen', () => {
    const { gate, dir } = startedGate()
    const [first, ...rest] = everyTriggerablePair()
    writeFileSync(join(dir, '1.txt'), `${rest.join('\n')}\n`)
    gate.onTestRunEnd([], [], 'passed')
    expect(process.exitCode).toBe(1)
    expect(printed).toHaveBeenCalledTimes(1)
    expect(String(printed.mock.calls[0]?.[0])).toContain(`${first} is declared but no test saw it`)
    expect(readFileSync(report, 'utf8')).toContain('**NO**')
  })

  it('says nothing and leaves the exit code alone when every pair was seen', () => {
    const { gate, dir } = startedGate()
    writeFileSync(join(dir, '1.txt'), `${everyTriggerablePair().join('\n')}\n`)
    gate.onTestRunEnd([], [], 'passed')
    expect(process.exitCode).toBe(exitCodeBefore)
    expect(printed).not.toHaveBeenCalled()
    expect(readFileSync(report, 'utf8')).not.toContain('**NO**')
    expect(existsSync(dir)).toBe(false)
  })
})

describe('after a run that did not pass, it says nothing about coverage', () => {
  it.each<TestRunEndReason>(['failed', 'interrupted'])('a run that %s', (reason) => {
    const { gate, dir } = startedGate()
    gate.onTestRunEnd([], [], reason)
    expect(printed).not.toHaveBeenCalled()
    expect(process.exitCode).toBe(exitCodeBefore)
    expect(existsSync(report)).toBe(false)
    expect(existsSync(dir)).toBe(false)
  })

  it('a run whose tests passed but that had an unhandled error', () => {
    const { gate } = startedGate()
    gate.onTestRunEnd([], [{ message: 'boom' }], 'passed')
    expect(printed).not.toHaveBeenCalled()
    expect(existsSync(report)).toBe(false)
  })
})

it('is off unless CONTRACT_COVERAGE=1: no directory for the test processes, no report', () => {
  const env: NodeJS.ProcessEnv = {}
  const gate = new ContractCoverageGate(env, report)
  gate.onInit()
  gate.onTestRunEnd([], [], 'passed')
  expect(env[COVERAGE_DIR_VARIABLE]).toBeUndefined()
  expect(printed).not.toHaveBeenCalled()
  expect(existsSync(report)).toBe(false)
})
