import type { Request, Response } from 'express'

/** One request as the API layer (http/api.ts) handles it. */
export interface HttpExchange {
  /** The plain request openapi-backend's router and validator read; its body is set after authentication. */
  readonly request: PlainRequest
  readonly req: Request
  readonly res: Response
}

/**
 * openapi-backend needs a plain object, not Express's `req`: with type coercion on, it
 * copies the request with a spread, which loses Express's prototype getters.
 */
export interface PlainRequest {
  method: string
  path: string
  query: Record<string, unknown>
  headers: Record<string, string | string[] | undefined>
  body: unknown
}
