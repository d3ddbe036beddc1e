/**
 * Requests that Node's HTTP parser rejects (a header block over its limit, an unknown
 * method, garbage) or that time out before their headers are in never reach Express.
 * Answer them with a problem too, instead of Node's bare status line.
 */
import { randomUUID } from 'node:crypto'
import type { Server } from 'node:http'
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import { type AppError, BadRequestError, RequestHeaderFieldsTooLargeError, RequestTimeoutError } from '../errors.js'
import { NO_STORE } from './caching.js'
import { PROBLEM_MEDIA_TYPE, toProblem } from './problems.js'

function problemFor(code: string | undefined, headersTimeoutMs: number): AppError {
  if (code === 'HPE_HEADER_OVERFLOW') return new RequestHeaderFieldsTooLargeError('The request headers are too large.')
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new RequestTimeoutError(`The request headers did not arrive within ${headersTimeoutMs / 1000} seconds.`)
  }
  return new BadRequestError('The request could not be parsed as HTTP.')
}

/** `securityHeaders`: the ones every other response carries (http/security-headers.ts). */
export function answerClientErrors(server: Server, logger: Logger, securityHeaders: ReadonlyArray<readonly [string, string]>): void {
  const securityLines = securityHeaders.map(([name, value]) => `${name}: ${value}\r\n`).join('')
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    // A response already under way on this socket cannot be replaced by a problem.
    if (!socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy()
      return
    }
    const problem = toProblem(problemFor(error.code, server.headersTimeout))
    const requestId = randomUUID()
    logger.warn({ reqId: requestId, code: error.code, status: problem.status }, 'request rejected by the HTTP parser')
    const body = JSON.stringify(problem)
    socket.end(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}\r\n` +
        `Content-Type: ${PROBLEM_MEDIA_TYPE}; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `Cache-Control: ${NO_STORE}\r\n` +
        `X-Request-Id: ${requestId}\r\n` +
        securityLines +
        'Connection: close\r\n\r\n' +
        body,
    )
  })
}
