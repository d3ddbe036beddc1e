/**
 * The process's logger: pino, one JSON object per line with an ISO time, and no
 * `pid`/`hostname` on each line (the collector knows where a line came from). Writes are
 * buffered (sonic-boom, 1 KiB or one second, whichever comes first, and flushed on exit):
 * one write(2) per line was ~8% of a busy server's CPU (issue 10). They are synchronous:
 * asynchronous writes carried one 2 KiB chunk per turn of the loop, fewer lines than a
 * busy server logs, and the rest queued in memory without bound (34 MB after two minutes
 * of the benchmark). Written as they come, a log reader slower than the server slows the
 * server (a full pipe blocks the write) instead of filling its memory.
 * On a terminal the same lines are pretty-printed, in a worker thread (pino-pretty), unless
 * `LOG_FORMAT=json`. Every line passes through {@link scrubSecrets} before it is written.
 */
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino'
import type { LogFormat } from './config.js'
import { REDACTED, REDACTED_PATHS, scrubSecrets } from './http/redact.js'

/** How a line reads on a terminal: `request: GET /api/v1/tasks/{taskId} 200 1.2 ms (user 7)`. */
const PRETTY_MESSAGE = '{msg}{if method}: {method} {route}{path} {status} {ms} ms{end}{if userId} (user {userId}){end}{if wait}, waited {wait} ms{end}'

export interface LoggerDestination {
  /** Where lines go instead of stdout (tests capture them). */
  readonly stream?: DestinationStream
  /** Whether stdout is a terminal; only then, with `auto`, are lines pretty-printed. */
  readonly terminal?: boolean
  readonly format?: LogFormat
}

function options(level: string): LoggerOptions {
  return {
    level,
    base: null,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACTED_PATHS], censor: REDACTED },
    hooks: { streamWrite: scrubSecrets },
  }
}

function destination({ stream, terminal = false, format = 'auto' }: LoggerDestination): DestinationStream {
  if (stream) return stream
  if (terminal && format === 'auto') {
    return pino.transport({
      target: 'pino-pretty',
      options: {
        translateTime: 'SYS:HH:MM:ss.l',
        messageFormat: PRETTY_MESSAGE,
        ignore: 'reqId,method,route,path,status,ms,userId,wait',
        singleLine: true,
      },
    })
  }
  const stdout = pino.destination({ dest: 1, sync: true, minLength: BUFFER_BYTES, maxWrite: MAX_WRITE_BYTES })
  // A quiet server's lines must not wait for the buffer to fill.
  setInterval(() => stdout.flush(), FLUSH_INTERVAL_MS).unref()
  // pino flushes only asynchronous destinations at exit; this one holds up to BUFFER_BYTES too.
  process.once('exit', () => {
    try {
      stdout.flushSync()
    } catch {
      // stdout is gone (a closed pipe): there is no one left to read the lines.
    }
  })
  return stdout
}

/**
 * Lines are written once about this much has gathered, in writes of at most
 * {@link MAX_WRITE_BYTES}. Kept small because sonic-boom (4.2) appends each line to the
 * last pending string and then measures that string's byte length, which flattens it:
 * every line copies all that is pending. With 4 KiB gathered (and up to 16 KiB while a
 * write was in flight) that copying was 4 KB of garbage per request line, the largest
 * single allocation of a GET (issue 10); at 1 KiB it is a quarter of that, still about
 * five lines to a write(2).
 */
const BUFFER_BYTES = 1024
const MAX_WRITE_BYTES = 2 * BUFFER_BYTES
const FLUSH_INTERVAL_MS = 1000

export function createLogger(level: string, where: LoggerDestination = {}): Logger {
  return pino(options(level), destination(where))
}
