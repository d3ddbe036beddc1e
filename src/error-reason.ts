/**
 * Why something failed, in one line: for an operator reading a log or a terminal, where a
 * stack trace buries the one fact that matters (ECONNREFUSED, a statement timeout).
 */

export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ')
}

/** The error's message with its causes' (unless it already says them), on one line: a driver's message may span several. */
export function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return oneLine(String(error))
  // Node reports a refused connection to a name with several addresses as an AggregateError with no message.
  const own = oneLine(error.message || (error instanceof AggregateError ? error.errors.map(reasonOf).join('; ') : '') || error.name)
  const cause = error.cause === undefined ? '' : reasonOf(error.cause)
  return cause === '' || own.includes(cause) ? own : `${own}: ${cause}`
}

/** The string `code` a Node or driver error carries (ECONNREFUSED, SQLITE_BUSY, 57014), if any. */
export function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined
}
