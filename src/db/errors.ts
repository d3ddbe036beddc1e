/** Recognises a unique-constraint violation on `table.column`, whatever the driver said. */
export function isUniqueViolation(error: unknown, table: string, column: string): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as Error & { code?: unknown }).code
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && error.message.includes(`${table}.${column}`)
}

/** A foreign key points at nothing (for goals: a parent that is not the same user's goal). */
export function isForeignKeyViolation(error: unknown): boolean {
  return error instanceof Error && (error as Error & { code?: unknown }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
}

/** A trigger refused the change with `raise(abort, message)`. */
export function isTriggerAbort(error: unknown, message: string): boolean {
  return (
    error instanceof Error &&
    (error as Error & { code?: unknown }).code === 'SQLITE_CONSTRAINT_TRIGGER' &&
    error.message === message
  )
}
