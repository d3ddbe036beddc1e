/**
 * Bytes on a socket, for the requests fetch refuses to send (a bad Host, invalid
 * escapes, oversized headers, requests that never finish). The response is parsed and
 * returned whole.
 */
import { connect } from 'node:net'

export interface RawResponse {
  readonly status: number
  readonly headers: Headers
  readonly text: string
}

function parseResponse(response: string): RawResponse {
  const [head = '', ...rest] = response.split('\r\n\r\n')
  const [statusLine = '', ...headerLines] = head.split('\r\n')
  const headers = new Headers()
  for (const line of headerLines) {
    const colon = line.indexOf(':')
    headers.append(line.slice(0, colon), line.slice(colon + 1).trim())
  }
  return { status: Number(statusLine.split(' ')[1]), headers, text: rest.join('\r\n\r\n') }
}

export function rawRequest(baseUrl: string, request: string | Buffer): Promise<RawResponse> {
  return slowRequest(baseUrl, request, { end: true })
}

export interface SlowRequestOptions {
  /** Half-close the socket once `start` is written (a complete request). */
  readonly end?: boolean
  /** Sent again and again, every `everyMs`, until the server answers or closes. */
  readonly trickle?: string
  readonly everyMs?: number
}

/**
 * Sends `start`, then (unless `end`) keeps the request open, trickling bytes if asked,
 * until the server closes the connection; resolves with everything it answered.
 */
export function slowRequest(baseUrl: string, start: string | Buffer, options: SlowRequestOptions = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    const chunks: Buffer[] = []
    let timer: NodeJS.Timeout | undefined
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearInterval(timer)
      // A reset after the answer arrived still leaves the answer to read.
      if (chunks.length > 0 && error.code === 'ECONNRESET') resolve(parseResponse(Buffer.concat(chunks).toString('utf8')))
      else reject(error)
    })
    socket.on('close', () => {
      clearInterval(timer)
      resolve(parseResponse(Buffer.concat(chunks).toString('utf8')))
    })
    if (options.end) {
      socket.end(start)
      return
    }
    socket.write(start)
    const { trickle } = options
    if (trickle !== undefined) {
      timer = setInterval(() => {
        if (socket.writable) socket.write(trickle)
      }, options.everyMs ?? 100)
    }
  })
}
