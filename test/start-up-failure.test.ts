import { describe, expect, it } from 'vitest'
import { ConfigError } from '../src/config.js'
import { DatabaseConfigError } from '../src/db/connection.js'
import { databaseFailure, isDatabaseUnusable, listenFailure, startUpFailureReport, withoutPassword } from '../src/start-up-failure.js'

/** An error as node:net or a driver makes it: a code, and maybe no message. */
function systemError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code })
}

describe('start-up failures', () => {
  it('never show a database password', () => {
    expect(withoutPassword('postgres://app:pw@db.internal:5432/achiever')).toBe('postgres://app:***@db.internal:5432/achiever')
    expect(withoutPassword('postgres://app@db.internal/achiever')).toBe('postgres://app@db.internal/achiever')
    expect(withoutPassword('data/achiever.sqlite')).toBe('data/achiever.sqlite')
    // A driver that echoes the URL it was given does not leak it either.
    const failure = databaseFailure('postgres://app:pw@db/a', new Error('cannot connect to postgres://app:pw@db/a'))
    expect(failure.message).not.toContain(':pw@')
    expect(failure.message).toContain('cannot connect to postgres://app:***@db/a')
  })

  it('say why on one line, even for an error with no message of its own or a message of several lines', () => {
    const refused = new AggregateError(
      [systemError('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED'), systemError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
      '',
    )
    expect(startUpFailureReport(databaseFailure('postgres://localhost/a', refused))).toBe(
      'Achiever cannot start: DATABASE_URL="postgres://localhost/a" cannot be used: connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432. ' +
        'Set DATABASE_URL to a database this process can reach, open and write (a SQLite file is created if missing).',
    )
    const migration = new Error('migration 0003 failed', { cause: new Error('no such table:\n  goals') })
    expect(databaseFailure('a.sqlite', migration).message).toContain('cannot be used: migration 0003 failed: no such table: goals.')
  })

  it('are about DATABASE_URL only when the database cannot be opened or reached; a failing migration is a bug', () => {
    const pgError = (code: string) => Object.assign(new Error('refused'), { code })
    expect(isDatabaseUnusable(new DatabaseConfigError('cannot open the SQLite database /x'))).toBe(true)
    expect(isDatabaseUnusable(new Error('migration 0001 failed', { cause: systemError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED') }))).toBe(true)
    expect(isDatabaseUnusable(new AggregateError([], ''))).toBe(true)
    expect(isDatabaseUnusable(pgError('28P01'))).toBe(true)
    expect(isDatabaseUnusable(pgError('3D000'))).toBe(true)
    expect(isDatabaseUnusable(pgError('SQLITE_READONLY'))).toBe(true)
    // A server that accepts the connection and never answers: pg-pool's words, no code.
    const timedOut = new Error('Connection terminated due to connection timeout', { cause: new Error('Connection terminated unexpectedly') })
    expect(isDatabaseUnusable(new Error('migration 0001 failed', { cause: timedOut }))).toBe(true)
    expect(isDatabaseUnusable(pgError('57P03'))).toBe(true)
    expect(isDatabaseUnusable(new Error('migration 0003 failed', { cause: pgError('42601') }))).toBe(false)
    expect(isDatabaseUnusable(new Error('migration 0003 failed', { cause: new Error('no such table: goals') }))).toBe(false)
  })

  it('tell a port in use from one that may not be used', () => {
    expect(listenFailure(80, systemError('listen EACCES: permission denied 0.0.0.0:80', 'EACCES')).message).toMatch(
      /^PORT=80 may not be listened on by this user \(EACCES\)/,
    )
    expect(listenFailure(3000, systemError('listen EADDRINUSE: address already in use :::3000', 'EADDRINUSE')).message).toBe(
      'PORT=3000 is already in use (EADDRINUSE). Stop what listens on port 3000, or set PORT to a free port (0 picks one).',
    )
  })

  it('keep the stack of anything that is not a configuration mistake: that is a bug', () => {
    const bug = new TypeError('x is undefined')
    expect(startUpFailureReport(bug)).toBe(bug.stack)
    expect(startUpFailureReport(new ConfigError('PORT must be an integer'))).toBe('Achiever cannot start: PORT must be an integer')
  })
})
