/**
 * The one place where errors become `application/problem+json` (RFC 9457). Domain errors
 * keep their status and code; anything else is a bug: logged in full with the request
 * id, answered as a bare 500 that reveals nothing.
 */
import type { ErrorRequestHandler, Response } from 'express'
import type { Logger } from 'pino'
import type { components } from '../../generated/openapi.js'
import { AppError } from '../errors.js'
import { NO_STORE } from './caching.js'
import { requestIdOf } from './request-id.js'

export type Problem = components['schemas']['Problem']

export const PROBLEM_MEDIA_TYPE = 'application/problem+json'

/** A problem lists at most this many fields at fault (and says how many more it left out). */
export const MAX_PROBLEM_ERRORS = 100

function typeUri(code: string): string {
  return `/problems/${code.toLowerCase().replaceAll('_', '-')}`
}

export function toProblem(error: AppError): Problem {
  const problem: Problem = {
    type: typeUri(error.code),
    title: error.title,
    status: error.status,
    detail: error.message,
    code: error.code,
  }
  const errors = error.errors ?? []
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

export function sendProblem(res: Response, problem: Problem, headers: Readonly<Record<string, string>> = {}): void {
  // A problem is about one request: no cache may keep it.
  res.status(problem.status).set(headers).set('Cache-Control', NO_STORE).type(PROBLEM_MEDIA_TYPE).send(JSON.stringify(problem))
}

/** Express's error handler: the last middleware of the app. */
export function problemErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (res.headersSent) {
      logger.error({ err: error, reqId: requestIdOf(req) }, 'error after the response was sent')
      res.destroy()
      return
    }
    if (error instanceof AppError) {
      sendProblem(res, toProblem(error), error.headers)
      return
    }
    logger.error({ err: error, reqId: requestIdOf(req) }, 'unhandled error')
    sendProblem(res, internalError)
  }
}
