/**
 * Runs a connect-style middleware (helmet, cors) as one step of http/serve-requests.ts:
 * resolved when it calls `next()`, rejected with what it passes to `next(error)`.
 */
import type { Request, Response } from 'express'

type Middleware = (req: Request, res: Response, next: (error?: unknown) => void) => void

export function runMiddleware(middleware: Middleware, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => middleware(req, res, (error?: unknown) => (error ? reject(error) : resolve())))
}
