/**
 * What the process says when it cannot start. A configuration mistake (a bad setting, a
 * database that cannot be opened, a port that is taken) is one line on stderr naming the
 * setting, its value and what to do, because a stack trace buries the one fact the user
 * needs; anything else is a bug and keeps its stack.
 */
import { ConfigError } from './config.js'
import { DatabaseConfigError } from './db/connection.js'
import { isConnectionFailure } from './db/unavailable.js'
import { errorCode, oneLine, reasonOf } from './error-reason.js'

/** A database URL as it may be shown: a password in it is replaced by `***`. */
export function withoutPassword(databaseUrl: string): string {
  if (!URL.canParse(databaseUrl)) return databaseUrl
  const url = new URL(databaseUrl)
  if (url.password === '') return databaseUrl
  url.password = '***'
  return url.href
}

/** SQLite's codes for a file that cannot be opened, read or written as a database. */
const SQLITE_UNUSABLE = /^SQLITE_(CANTOPEN|NOTADB|READONLY|PERM|CORRUPT|IOERR|FULL)/

/**
 * Whether `error` (or one of its causes) says the database itself cannot be used: a file
 * that cannot be opened (DatabaseConfigError, SQLite's codes), or a server that cannot be
 * reached, refuses the connection or does not answer in time (db/unavailable.ts). Anything
 * else, such as a migration's own mistake, is a bug.
 */
export function isDatabaseUnusable(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof DatabaseConfigError || isConnectionFailure(current)) return true
    if (SQLITE_UNUSABLE.test(errorCode(current) ?? '')) return true
  }
  return false
}

/** The database could not be opened or reached: the fix is in DATABASE_URL (or at what it names). */
export function databaseFailure(databaseUrl: string, error: unknown): ConfigError {
  const shown = withoutPassword(databaseUrl)
  const reason = reasonOf(error).replaceAll(databaseUrl, shown)
  return new ConfigError(
    `DATABASE_URL=${JSON.stringify(shown)} cannot be used: ${reason}. ` +
      'Set DATABASE_URL to a database this process can reach, open and write (a SQLite file is created if missing).',
    { cause: error },
  )
}

/** `listen` failed: the port is taken or not allowed. */
export function listenFailure(port: number, error: unknown): ConfigError {
  const code = errorCode(error)
  const what =
    code === 'EADDRINUSE'
      ? `is already in use (EADDRINUSE). Stop what listens on port ${port}, or set PORT to a free port (0 picks one)`
      : code === 'EACCES'
        ? `may not be listened on by this user (EACCES). Set PORT to 1024 or above, or run with the right to bind low ports`
        : `cannot be listened on: ${reasonOf(error)}. Set PORT to a free port (0 picks one)`
  return new ConfigError(`PORT=${port} ${what}.`, { cause: error })
}

/** The line (for a configuration mistake) or the stack (for a bug) that start-up failed with. */
export function startUpFailureReport(error: unknown): string {
  if (error instanceof ConfigError) return `Achiever cannot start: ${oneLine(error.message)}`
  return error instanceof Error ? (error.stack ?? error.message) : String(error)
}
