/**
 * Constraint violations as the service tells them apart, whichever database raised them:
 * better-sqlite3's `SQLITE_CONSTRAINT_*` codes, or PostgreSQL's SQLSTATEs (node-postgres
 * puts them in `code`, and the constraint's name in `constraint`).
 */
type DriverError = Error & { code?: unknown; constraint?: unknown }

function driverError(error: unknown): DriverError | undefined {
  return error instanceof Error ? (error as DriverError) : undefined
}

const PG_UNIQUE_VIOLATION = '23505'
const PG_FOREIGN_KEY_VIOLATION = '23503'
/** `raise exception` in PL/pgSQL without an errcode of its own. */
const PG_RAISE_EXCEPTION = 'P0001'

/**
 * Recognises a unique-constraint violation on `table.column`, whatever the driver said.
 * On PostgreSQL the migrations name each unique constraint or index `table_column_key`
 * (PostgreSQL's own default) or, when it is per user, `table_user_id_column`.
 */
export function isUniqueViolation(error: unknown, table: string, column: string): boolean {
  const e = driverError(error)
  if (e === undefined) return false
  if (e.code === PG_UNIQUE_VIOLATION) {
    return e.constraint === `${table}_${column}_key` || e.constraint === `${table}_user_id_${column}`
  }
  return e.code === 'SQLITE_CONSTRAINT_UNIQUE' && e.message.includes(`${table}.${column}`)
}

/** A foreign key points at nothing (for goals: a parent that is not the same user's goal). */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = driverError(error)?.code
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === PG_FOREIGN_KEY_VIOLATION
}

/** A trigger refused the change: `raise(abort, message)` in SQLite, `raise exception` in PL/pgSQL. */
export function isTriggerAbort(error: unknown, message: string): boolean {
  const e = driverError(error)
  return (e?.code === 'SQLITE_CONSTRAINT_TRIGGER' || e?.code === PG_RAISE_EXCEPTION) && e.message === message
}
