/**
 * The one place where errors become `application/problem+json` (RFC 9457). Domain errors
 * keep their status and code; anything else is a bug: logged in full with the request
 * id, answered as a bare 500 that reveals nothing.
 */
import type { ErrorRequestHandler, Response } from 'express'
import type { Logger } from 'pino'
import type { components } from '../../generated/openapi.js'
import { reasonOf } from '../error-reason.js'
import { AppError, type FieldError } from '../errors.js'
import { NO_STORE } from './caching.js'
import { requestIdOf } from './request-id.js'

export type Problem = components['schemas']['Problem']

export const PROBLEM_MEDIA_TYPE = 'application/problem+json'

/** A problem lists at most this many fields at fault (and says how many more it left out). */
export const MAX_PROBLEM_ERRORS = 100

/**
 * The longest `detail`, `errors[].detail` and `errors[].pointer` / `parameter` the spec
 * declares. Messages may quote what the client sent (a Content-Type, the name of an
 * unknown field or query parameter), so every problem is held to these here, in one place.
 */
const MAX_DETAIL_LENGTH = 1024
const MAX_FIELD_DETAIL_LENGTH = 512
const MAX_FIELD_NAME_LENGTH = 256

/** Length as the spec's `maxLength` counts it: in code points, not UTF-16 units. */
function codePoints(text: string): number {
  let count = 0
  for (const _ of text) count++
  return count
}

/** `text` cut to `max` code points, the last one an ellipsis, when it is longer. */
function clip(text: string, max: number): string {
  if (text.length <= max || codePoints(text) <= max) return text
  return `${Array.from(text)
    .slice(0, max - 1)
    .join('')}…`
}

/**
 * A field or parameter whose name is too long to quote is named by the whole body (the
 * pointer `""`) or not at all: a cut name would name another field.
 *
 * Built in the schema's property order, whatever order the error was built in: the
 * compiled serializer (response-serializers.ts) writes that order, and so must
 * `JSON.stringify` for the two to give the same bytes.
 */
function boundedFieldError(error: FieldError): FieldError {
  const { pointer, parameter, detail } = error
  const tooLong = (name: string | undefined) => name !== undefined && codePoints(name) > MAX_FIELD_NAME_LENGTH
  if (tooLong(pointer)) {
    return { detail: clip(`a field whose name is too long to quote ${detail}`, MAX_FIELD_DETAIL_LENGTH), pointer: '' }
  }
  if (tooLong(parameter)) {
    return { detail: clip(`a parameter whose name is too long to quote ${detail}`, MAX_FIELD_DETAIL_LENGTH) }
  }
  return {
    detail: clip(detail, MAX_FIELD_DETAIL_LENGTH),
    ...(pointer === undefined ? {} : { pointer }),
    ...(parameter === undefined ? {} : { parameter }),
  }
}

/** Several over-long names end up as the same entry: list it once. */
function distinct(errors: readonly FieldError[]): FieldError[] {
  const seen = new Set<string>()
  return errors.filter(({ pointer, parameter, detail }) => {
    const key = JSON.stringify([pointer, parameter, detail])
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

function typeUri(code: string): string {
  return `/problems/${code.toLowerCase().replaceAll('_', '-')}`
}

export function toProblem(error: AppError): Problem {
  const problem: Problem = {
    type: typeUri(error.code),
    title: error.title,
    status: error.status,
    detail: clip(error.message, MAX_DETAIL_LENGTH),
    code: error.code,
  }
  const errors = distinct((error.errors ?? []).map(boundedFieldError))
  if (errors.length > 0) problem.errors = errors.slice(0, MAX_PROBLEM_ERRORS)
  if (errors.length > MAX_PROBLEM_ERRORS) problem.errors_omitted = errors.length - MAX_PROBLEM_ERRORS
  return problem
}

const internalError: Problem = {
  type: typeUri('INTERNAL_ERROR'),
  title: 'Internal server error',
  status: 500,
  detail: 'Something went wrong on our side. Quote the X-Request-Id when you report it.',
  code: 'INTERNAL_ERROR',
}

/**
 * The error handler every error of a request goes to (http/express-listener.ts hands it
 * whatever the one middleware passes on, throws or rejects with). `serialize` writes a problem
 * from the spec's `Problem` schema (http/response-serializers.ts), as every other body is.
 */
export function problemErrorHandler(logger: Logger, serialize: (problem: Problem) => string): ErrorRequestHandler {
  function sendProblem(res: Response, problem: Problem, headers: Readonly<Record<string, string>> = {}): void {
    // A problem is about one request: no cache may keep it.
    res.status(problem.status).set(headers).set('Cache-Control', NO_STORE).type(PROBLEM_MEDIA_TYPE).send(serialize(problem))
  }

  return (error: unknown, req, res, _next) => {
    if (res.headersSent) {
      logger.error({ err: error, reqId: requestIdOf(req) }, 'error after the response was sent')
      res.destroy()
      return
    }
    if (error instanceof AppError) {
      // A 503 the database caused: why, for the operator, in one line (the client gets the detail only).
      if (error.status >= 500 && error.cause !== undefined) {
        logger.warn({ reqId: requestIdOf(req), reason: reasonOf(error.cause) }, error.message)
      }
      sendProblem(res, toProblem(error), error.headers)
      return
    }
    logger.error({ err: error, reqId: requestIdOf(req) }, 'unhandled error')
    sendProblem(res, internalError)
  }
}
