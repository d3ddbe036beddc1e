/**
 * Single requests outside the load: health polls and the parity check. node:http rather
 * than fetch, because the parity check must send both servers the same Host header
 * (every `uri` in a body is built from it) and fetch does not let a caller set Host.
 */
import { request } from 'node:http'

export interface Exchange {
  readonly method: string
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
}

export interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly text: string
}

export function send(port: number, exchange: Exchange): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: exchange.method,
        path: exchange.path,
        headers: exchange.headers,
        agent: false,
        timeout: 5000,
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }))
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error(`${exchange.method} ${exchange.path} timed out`)))
    req.on('error', reject)
    req.end(exchange.body)
  })
}
