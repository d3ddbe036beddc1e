/** Recognises a unique-constraint violation on `table.column`, whatever the driver said. */
export function isUniqueViolation(error: unknown, table: string, column: string): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as Error & { code?: unknown }).code
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && error.message.includes(`${table}.${column}`)
}
