/**
 * Requests that Node's HTTP parser rejects (a header block over its limit, an unknown
 * method, garbage) never reach Express. Answer them with a problem too, instead of
 * Node's bare status line.
 */
import { randomUUID } from 'node:crypto'
import type { Server } from 'node:http'
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import { PROBLEM_MEDIA_TYPE } from './problems.js'


export function answerClientErrors(server: Server, logger: Logger): void {
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    if (!socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy()
      return
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
    const requestId = randomUUID()
    logger.warn({ reqId: requestId, code: error.code, status }, 'request rejected by the HTTP parser')
    const body = JSON.stringify({
      type: status === 431 ? '/problems/request-header-fields-too-large' : '/problems/bad-request',
      title: STATUS_CODES[status] ?? 'Bad Request',
      status,
      detail: status === 431 ? 'The request headers are too large.' : 'The request could not be parsed as HTTP.',
      code: status === 431 ? 'REQUEST_HEADER_FIELDS_TOO_LARGE' : 'BAD_REQUEST',
    })
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
        `Content-Type: ${PROBLEM_MEDIA_TYPE}; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    )
  })
}
