/**
 * The listener gives the middleware what Express's own `app.handle` would have given it
 * (src/http/express-listener.ts): the same request and response (the first case sends one
 * request through the app itself, the middleware mounted with `app.use`, and one through
 * the listener, and compares what the middleware saw), and what it passes to `next`,
 * throws or rejects with goes to the error handler.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { createServer, IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response } from 'express'
import { describe, expect, it } from 'vitest'
import { NotFoundError } from '../../src/errors.js'
import { type ExpressListener, expressListener } from '../../src/http/express-listener.js'
import { createLogger } from '../../src/logger.js'
import { captureLines } from '../support/log-lines.js'

/**
 * Sends one request on a loopback server and returns the status and body, or the network
 * error: to an Express app as it is, or to the listener on a server built from its classes.
 */
async function send(to: Express | ExpressListener, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string } | { failed: true }> {
  const server = 'listener' in to ? createServer(to.messages, to.listener) : createServer(to)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, { headers })
    return { status: response.status, body: await response.text() }
  } catch {
    return { failed: true }
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}

/** What a middleware reads of Express's request and response. */
function observe(app: Express, req: Request, res: Response) {
  return {
    requestPrototype: Object.prototype.isPrototypeOf.call(app.request, req),
    responsePrototype: Object.prototype.isPrototypeOf.call(app.response, res),
    linked: req.res === res && res.req === req,
    app: req.app === app,
    ip: req.ip,
    protocol: req.protocol,
    query: req.query,
    path: req.path,
    accepts: req.accepts(['application/json', 'text/html']),
  }
}

function appWith(middleware: RequestHandler, onError: ErrorRequestHandler): { app: Express; listener: ExpressListener; logs: () => string } {
  const app = express()
  app.disable('x-powered-by')
  app.set('trust proxy', 'loopback')
  app.use(middleware)
  app.use(onError)
  const { lines, stream } = captureLines()
  return { app, listener: expressListener(app, middleware, onError, createLogger('info', { stream })), logs: () => lines.join('') }
}

const answerProblem: ErrorRequestHandler = (error, _req, res, _next) => {
  res.status(error instanceof NotFoundError ? 404 : 500).send(`problem: ${(error as Error).message}`)
}

describe('expressListener', () => {
  it("gives the middleware the request and response app.handle gives it: the app's prototypes and settings, linked", async () => {
    const seen: unknown[] = []
    let app: Express | undefined
    const { app: built, listener } = appWith((req, res) => {
      seen.push(observe(app as Express, req, res))
      res.send('ok')
    }, answerProblem)
    app = built
    const headers = { 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Proto': 'https', Accept: 'text/html' }
    expect(await send(built, '/api/v1/tasks?page=2', headers)).toEqual({ status: 200, body: 'ok' })
    expect(await send(listener, '/api/v1/tasks?page=2', headers)).toEqual({ status: 200, body: 'ok' })

    expect(seen[0]).toEqual({
      requestPrototype: true,
      responsePrototype: true,
      linked: true,
      app: true,
      ip: '203.0.113.9',
      protocol: 'https',
      query: { page: '2' },
      path: '/api/v1/tasks',
      accepts: 'text/html',
    })
    expect(seen[1]).toEqual(seen[0])
  })

  it("builds each request and response from the listener's classes: node:http never changes a prototype after the fact", async () => {
    const seen: Array<{ request: boolean; response: boolean; nodes: boolean }> = []
    const { listener } = appWith((req, res) => {
      seen.push({
        // The object's own prototype, not just one up its chain: the classes built it.
        request: Object.getPrototypeOf(req) === listener.messages.IncomingMessage.prototype,
        response: Object.getPrototypeOf(res) === listener.messages.ServerResponse.prototype,
        nodes: req instanceof IncomingMessage && res instanceof ServerResponse,
      })
      res.send('ok')
    }, answerProblem)
    expect(await send(listener, '/x')).toEqual({ status: 200, body: 'ok' })
    expect(seen).toEqual([{ request: true, response: true, nodes: true }])
  })

  it('sends what the middleware passes to next, throws or rejects with to the error handler', async () => {
    const passes = appWith((_req, _res, next) => next(new Error('passed')), answerProblem)
    expect(await send(passes.listener, '/x')).toEqual({ status: 500, body: 'problem: passed' })
    const throws = appWith(() => {
      throw new Error('thrown')
    }, answerProblem)
    expect(await send(throws.listener, '/x')).toEqual({ status: 500, body: 'problem: thrown' })
    const rejects = appWith(async () => {
      throw new Error('rejected')
    }, answerProblem)
    expect(await send(rejects.listener, '/x')).toEqual({ status: 500, body: 'problem: rejected' })
  })

  it('answers a request the middleware passes on without an error as no such route, through the error handler', async () => {
    const { listener } = appWith((_req, _res, next) => next(), answerProblem)
    expect(await send(listener, '/nowhere')).toEqual({ status: 404, body: 'problem: There is no such route. The API reference is at /docs.' })
  })

  it('logs and closes the connection when the error handler itself fails or passes the error on', async () => {
    const throwing = appWith(
      (_req, _res, next) => next(new Error('boom')),
      () => {
        throw new Error('the handler broke')
      },
    )
    expect(await send(throwing.listener, '/x')).toEqual({ failed: true })
    expect(throwing.logs()).toContain('the handler broke')
    const passing = appWith(
      (_req, _res, next) => next(new Error('boom')),
      (error, _req, _res, next) => next(error),
    )
    expect(await send(passing.listener, '/x')).toEqual({ failed: true })
    expect(passing.logs()).toContain('"message":"boom"')
  })

  it('is not relied on for what it leaves unset: nothing in src/ reads res.locals, req.originalUrl, req.baseUrl, req.params or req.next', () => {
    const readers = readdirSync('src', { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && file !== join('http', 'express-listener.ts'))
      .filter((file) => /\b(res\.locals|req\.(originalUrl|baseUrl|params|next))\b/.test(readFileSync(join('src', file), 'utf8')))
    expect(readers).toEqual([])
  })
})
