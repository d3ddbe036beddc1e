/**
 * The node:http server around the app, with the limits a public server needs: a client
 * gets a fixed time to send its headers and its body and is answered 408 after that, and
 * an idle keep-alive connection is closed after a few seconds. Node checks its timeouts
 * only every `connectionsCheckingInterval` (30 s by default, which let a header trickle
 * run for 89 s); once a second keeps the configured limits honest.
 */
import { createServer, type Server } from 'node:http'
import type { Logger } from 'pino'
import type { AppConfig } from '../config.js'
import { answerClientErrors } from './client-errors.js'
import type { ExpressListener } from './express-listener.js'
import type { RequestTurns } from './request-turns.js'
import { socketSecurityHeaders } from './security-headers.js'

type ServerConfig = Pick<AppConfig, 'headersTimeoutSeconds' | 'bodyTimeoutSeconds' | 'keepAliveTimeoutSeconds' | 'hstsMaxAgeSeconds'>

/**
 * `app` behind `turns`: requests paced by the turns of the loop, which also learn of each
 * accepted connection; requests and responses built from the app's classes.
 */
export function createHttpServer(app: ExpressListener, turns: RequestTurns, config: ServerConfig, logger: Logger): Server {
  const headersTimeout = config.headersTimeoutSeconds * 1000
  const server = createServer(
    {
      headersTimeout,
      // The body has its own limit, answered with a 408 problem while reading it
      // (http/body.ts); this one is the backstop for a body nobody reads.
      requestTimeout: headersTimeout + config.bodyTimeoutSeconds * 1000,
      keepAliveTimeout: config.keepAliveTimeoutSeconds * 1000,
      connectionsCheckingInterval: Math.min(1000, headersTimeout),
      ...app.messages,
    },
    turns.pace(app.listener),
  )
  turns.watch(server)
  // A client may send its request and then half-close the connection (`Connection:
  // close`, shutdown(SHUT_WR)). By default Node ends the socket there, dropping the answer
  // to a request still waiting on the database (on PostgreSQL, every one); this way the
  // answer goes out first, then the connection closes.
  ;(server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true
  answerClientErrors(server, logger, socketSecurityHeaders(config))
  return server
}

/**
 * Listens on `port` (0: any free one) and resolves with the port it got. A failure (the
 * port taken, say) rejects, where `server.listen` alone would raise an unhandled 'error'
 * event and crash with a stack trace.
 */
export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, () => {
      server.off('error', reject)
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : port)
    })
  })
}
