/**
 * Bytes on a socket, for the requests fetch refuses to send (a bad Host, invalid
 * escapes, oversized headers). The response is parsed and returned whole.
 */
import { connect } from 'node:net'

export interface RawResponse {
  readonly status: number
  readonly headers: Headers
  readonly text: string
}

export function rawRequest(baseUrl: string, request: string | Buffer): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('end', () => {
      const response = Buffer.concat(chunks).toString('utf8')
      const [head = '', ...rest] = response.split('\r\n\r\n')
      const [statusLine = '', ...headerLines] = head.split('\r\n')
      const headers = new Headers()
      for (const line of headerLines) {
        const colon = line.indexOf(':')
        headers.append(line.slice(0, colon), line.slice(colon + 1).trim())
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, text: rest.join('\r\n\r\n') })
    })
    socket.end(request)
  })
}
