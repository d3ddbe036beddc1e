/**
 * A stream that keeps what a logger writes to it, a chunk (one line) at a time: for
 * createLogger's `stream` or any pino destination a test reads back.
 */
import { Writable } from 'node:stream'

export function captureLines(): { lines: string[]; stream: Writable } {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  return { lines, stream }
}
