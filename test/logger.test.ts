/**
 * Where the service's log lines go when stdout is not a terminal (src/logger.ts): they
 * are written as they come, a kilobyte or so at a time, never queued in memory behind
 * asynchronous writes. Queued, they piled up (34 MB of pending lines after two minutes of
 * the benchmark's load, issue 10's target 7) whenever the server answered faster than
 * one 2 KiB write per turn of the loop could carry its lines out.
 */
import { spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SERVER_START_TIMEOUT_MS } from './support/timeouts.js'

const dir = mkdtempSync(join(tmpdir(), 'achiever-logger-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Logs `lines` lines in a child whose stdout is a file; what had reached the file before the child yielded, and the file. */
function logInChild(lines: number): { reachedBeforeYielding: number; file: string } {
  const path = join(dir, `stdout-${lines}.log`)
  const stdout = openSync(path, 'w')
  try {
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/logger-stdout.ts'], {
      env: { ...process.env, LINES: String(lines) },
      stdio: ['ignore', stdout, 'pipe'],
      encoding: 'utf8',
      // A process of its own, tsx compiling src/logger.ts first: as long as a server's start.
      timeout: SERVER_START_TIMEOUT_MS,
    })
    expect(child.status, child.error ? String(child.error) : child.stderr).toBe(0)
    const report = JSON.parse(child.stderr.trim().split('\n').at(-1) ?? '{}') as { written: number }
    return { reachedBeforeYielding: report.written, file: readFileSync(path, 'utf8') }
  } finally {
    closeSync(stdout)
  }
}

describe('the logger on stdout', () => {
  it('writes lines as they come: all but the last kilobyte is out before the loop turns', { timeout: SERVER_START_TIMEOUT_MS }, () => {
    const { reachedBeforeYielding, file } = logInChild(5000)
    const lines = file.trim().split('\n')
    expect(lines).toHaveLength(5000)
    expect(JSON.parse(lines[4999] ?? '{}')).toMatchObject({ level: 30, reqId: 'request-4999', msg: 'request' })
    // At most the buffer (1 KiB) may still be waiting; queued writes would leave most of the 5,000 lines behind.
    expect(file.length - reachedBeforeYielding).toBeLessThanOrEqual(1024)
  })
})
