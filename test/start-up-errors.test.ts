/**
 * The process (src/server.ts) given a setting it cannot work with: it exits 1 at once
 * with one line on stderr that names the setting and its value and says what to do, and
 * no stack trace.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { SERVER_START_TIMEOUT_MS, STARTS_A_SERVER } from './support/timeouts.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'achiever-start-up-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A process that hangs is stopped well within the time a test that starts a server gets, so the test fails on its exit code, not its timeout. */
const HANG_LIMIT_MS = SERVER_START_TIMEOUT_MS / 2

interface Failure {
  readonly code: number | null
  readonly stderr: string
}

/** Runs the server with `env` on top of a working configuration and waits for it to exit. */
function start(env: Record<string, string>): Promise<Failure> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', DATABASE_URL: join(dir, 'db.sqlite'), LOG_LEVEL: 'info', LOG_FORMAT: 'json', SCRYPT_COST: '1024', ...env, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: HANG_LIMIT_MS,
  })
  const chunks: Buffer[] = []
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stderr: Buffer.concat(chunks).toString('utf8') }))
  })
}

/** Exit code 1 and exactly one line, with everything in `mentions` and no stack frame. */
function expectOneLine(failure: Failure, mentions: readonly string[]): void {
  expect(failure.code).toBe(1)
  expect(failure.stderr).toMatch(/^Achiever cannot start: [^\n]+\n$/)
  for (const text of mentions) expect(failure.stderr).toContain(text)
}

describe('start-up with a setting it cannot use', STARTS_A_SERVER, () => {
  it('PORT that is not a number', async () => {
    expectOneLine(await start({ PORT: 'eighty' }), ['PORT must be an integer from 0 to 65535', '"eighty"'])
  })

  it('PORT out of range', async () => {
    expectOneLine(await start({ PORT: '99999' }), ['PORT must be an integer from 0 to 65535', '"99999"'])
  })

  it('LOG_LEVEL that pino does not know', async () => {
    expectOneLine(await start({ LOG_LEVEL: 'verbose' }), ['LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent', '"verbose"'])
  })

  it('PORT already in use', async () => {
    const taken: Server = createServer()
    await new Promise<void>((resolve) => taken.listen(0, resolve))
    try {
      const address = taken.address()
      const port = typeof address === 'object' && address ? address.port : 0
      expectOneLine(await start({ PORT: String(port) }), [`PORT=${port} is already in use (EADDRINUSE)`, 'set PORT to a free port'])
    } finally {
      await new Promise((resolve) => taken.close(resolve))
    }
  })

  it('DATABASE_URL under a folder that cannot be made (this hung at full CPU on Node 20)', async () => {
    expectOneLine(await start({ DATABASE_URL: '/proc/nope/x.db' }), [
      'DATABASE_URL="/proc/nope/x.db" cannot be used: cannot open the SQLite database /proc/nope/x.db',
      "mkdir '/proc/nope'",
      'Set DATABASE_URL to',
    ])
  })

  // /proc lets nobody, not even root, create a file there: a chmod would not stop root.
  it('DATABASE_URL naming a file that cannot be written', async () => {
    expectOneLine(await start({ DATABASE_URL: '/proc/x.db' }), [
      'DATABASE_URL="/proc/x.db" cannot be used: cannot open the SQLite database /proc/x.db: unable to open database file',
    ])
  })

  it('DATABASE_URL naming a file that is not a database', async () => {
    const path = join(dir, 'corrupt.sqlite')
    writeFileSync(path, 'not the pages of a SQLite database; '.repeat(200))
    expectOneLine(await start({ DATABASE_URL: path }), [`DATABASE_URL="${path}" cannot be used: cannot open the SQLite database ${path}: file is not a database`])
  })

  it('DATABASE_URL of a PostgreSQL it cannot use, without showing the password', async () => {
    const failure = await start({ DATABASE_URL: 'postgres://achiever:s3cret-pw@127.0.0.1:1/achiever' })
    expectOneLine(failure, ['DATABASE_URL="postgres://achiever:***@127.0.0.1:1/achiever" cannot be used: '])
    expect(failure.stderr).not.toContain('s3cret-pw')
  })
})
