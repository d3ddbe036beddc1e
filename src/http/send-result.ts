/**
 * Writes an operation's result with the media type, entity tag and cache headers the
 * spec declares for its status (from the operation's plan), answering a conditional GET
 * whose entity tag still matches with 304.
 */
import { cacheControlFor } from './caching.js'
import { entityTag, isNotModified } from './conditional.js'
import type { HttpExchange } from './exchange.js'
import { type OperationPlan, responsePlanOf } from './operation-plan.js'

/** A result as the layer handles it, whatever the operation. */
export interface AnyResult {
  readonly status: number
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * Writes a result with the media type, entity tag and cache headers the plan has for its
 * status; `replayed`: it is the stored response to an earlier request with the same
 * `Idempotency-Key` (src/idempotency/).
 */
export function sendResult(exchange: HttpExchange, plan: OperationPlan, result: AnyResult, replayed: boolean): void {
  const { status, body, headers } = result
  const { req, res } = exchange
  const response = responsePlanOf(plan, status)
  const text = body === undefined || response.contentType === undefined ? undefined : response.serialize(body)
  const tag = text !== undefined && response.tagged ? entityTag(text) : undefined

  if (headers) for (const name of Object.keys(headers)) res.setHeader(name, headers[name] as string)
  res.setHeader('Cache-Control', cacheControlFor({ method: req.method, status, secured: plan.secured, tagged: tag !== undefined }))
  if (replayed) res.setHeader('Idempotent-Replayed', 'true')
  if (tag !== undefined) res.setHeader('ETag', tag)

  if (tag !== undefined && status === 200 && (req.method === 'GET' || req.method === 'HEAD') && isNotModified(req.headers, tag)) {
    res.statusCode = 304
    res.end()
  } else if (text === undefined || response.contentType === undefined) {
    res.statusCode = status
    res.end()
  } else {
    res.statusCode = status
    res.setHeader('Content-Type', response.contentType)
    res.setHeader('Content-Length', Buffer.byteLength(text))
    // A HEAD gets the headers only: Node leaves the body out.
    res.end(text)
  }
}
