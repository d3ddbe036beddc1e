import type { Request, Response } from 'express'

/** What openapi-backend hands to every hook and handler besides its own context. */
export interface HttpExchange {
  /** The plain request object openapi-backend routes and validates; its body is set after auth. */
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
