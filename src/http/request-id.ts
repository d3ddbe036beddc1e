/**
 * Every response carries an `X-Request-Id`: the client's own when it sent a sane one (so
 * a request can be followed across services), a fresh UUID otherwise. Log lines about a
 * request carry the same id, so a user quoting it finds them.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { RequestHandler } from 'express'

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

const ids = new WeakMap<IncomingMessage, string>()

/** The id given to `req` by {@link assignRequestId}; `unknown` before that. */
export function requestIdOf(req: IncomingMessage): string {
  return ids.get(req) ?? 'unknown'
}

/** The first middleware: names the request and echoes the name in the response. */
export function assignRequestId(): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id']
    const id = typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID()
    ids.set(req, id)
    res.setHeader('X-Request-Id', id)
    next()
  }
}
