import type { Request, Response } from 'express'

/** One request as the API layer (http/api.ts) handles it. */
export interface HttpExchange {
  /** What routing and validation read of the request, read from Express once. */
  readonly request: PlainRequest
  readonly req: Request
  readonly res: Response
}

/**
 * Read once because Express computes each on every read (`req.query` parses the query
 * string again), and validation coerces the query in place.
 */
export interface PlainRequest {
  /** HEAD reads as GET. */
  readonly method: string
  readonly path: string
  readonly query: Record<string, unknown>
}
