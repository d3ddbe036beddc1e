/**
 * The request as routing and validation read it, read from Express once. Part of the
 * adapter (backend.ts lists every change): openapi-backend's validators coerce the query
 * in place (`coerceTypes`), and Express 5 parses `req.query` afresh on every read, so a
 * coercion written into `req.query` would be lost, and each read would cost a parse.
 */
export interface PlainRequest {
  /** HEAD reads as GET. */
  readonly method: string
  readonly path: string
  /** Parsed once; validation coerces it in place. */
  readonly query: Record<string, unknown>
}
