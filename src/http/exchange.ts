import type { Request, Response } from 'express'
import type { PlainRequest } from './openapi-backend/plain-request.js'

/** One request as the API layer (http/api.ts) handles it. */
export interface HttpExchange {
  /** What routing and validation read of the request, read from Express once. */
  readonly request: PlainRequest
  readonly req: Request
  readonly res: Response
}
