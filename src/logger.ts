import { pino, type DestinationStream, type Logger } from 'pino'

/** Structured JSON logs. Credentials are redacted wherever a request is logged. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
  }
  return destination ? pino(options, destination) : pino(options)
}
