/**
 * Domain errors. Code anywhere throws one of these; `http/problems.ts` is the one place
 * that turns them (and anything unexpected) into `application/problem+json`.
 */
import type { components } from '../generated/openapi.js'

export type ProblemCode = components['schemas']['ProblemCode']
export type FieldError = components['schemas']['FieldError']

export abstract class AppError extends Error {
  abstract readonly status: number
  abstract readonly code: ProblemCode
  /** Short and the same for every problem of this kind (RFC 9457 `title`). */
  abstract readonly title: string
  /** The fields or parameters at fault, if any. */
  readonly errors: readonly FieldError[] | undefined
  /** Extra response headers this problem calls for (`Allow`, `Retry-After`, ...). */
  readonly headers: Readonly<Record<string, string>> = {}

  constructor(detail: string, errors?: readonly FieldError[]) {
    super(detail)
    this.name = new.target.name
    this.errors = errors
  }
}

export class BadRequestError extends AppError {
  readonly status = 400
  readonly code = 'BAD_REQUEST'
  readonly title = 'Your request is malformed'
}

export type AuthScheme = 'Basic' | 'Bearer'

export class UnauthorizedError extends AppError {
  readonly status = 401
  readonly code = 'UNAUTHORIZED'
  readonly title = 'Authentication is required'
  override readonly headers: Readonly<Record<string, string>>
  /** A bearer token was sent and is no good (RFC 6750 `error="invalid_token"`). */
  readonly invalidToken: boolean

  constructor(detail: string, options: { schemes?: readonly AuthScheme[]; invalidToken?: boolean | undefined } = {}) {
    super(detail)
    this.invalidToken = options.invalidToken ?? false
    const challenges = (options.schemes ?? ['Basic', 'Bearer']).map((scheme) =>
      scheme === 'Basic' ? 'Basic realm="achiever", charset="UTF-8"' : `Bearer realm="achiever"${this.invalidToken ? ', error="invalid_token"' : ''}`,
    )
    this.headers = { 'WWW-Authenticate': challenges.join(', ') }
  }
}

export class NotFoundError extends AppError {
  readonly status = 404
  readonly code = 'NOT_FOUND'
  readonly title = 'Not found'
}

/** The 404 of a path the spec has no operation for, wherever it is found out. */
export function noSuchRoute(): NotFoundError {
  return new NotFoundError('There is no such route. The API reference is at /docs.')
}

export class MethodNotAllowedError extends AppError {
  readonly status = 405
  readonly code = 'METHOD_NOT_ALLOWED'
  readonly title = 'Method not allowed'
  override readonly headers: Readonly<Record<string, string>>

  constructor(method: string, allowed: readonly string[]) {
    super(`${method} is not allowed here. Allowed: ${allowed.join(', ')}.`)
    this.headers = { Allow: allowed.join(', ') }
  }
}

export class NotAcceptableError extends AppError {
  readonly status = 406
  readonly code = 'NOT_ACCEPTABLE'
  readonly title = 'Not acceptable'
}

/**
 * The request's headers or body did not arrive in time. The rest of the request may still
 * be on its way, so the connection cannot carry another one: it is closed after the answer.
 */
export class RequestTimeoutError extends AppError {
  readonly status = 408
  readonly code = 'REQUEST_TIMEOUT'
  readonly title = 'Request timeout'
  override readonly headers: Readonly<Record<string, string>> = { Connection: 'close' }
}

export class ConflictError extends AppError {
  readonly status = 409
  readonly code = 'CONFLICT'
  readonly title = 'Conflict'
}

export class PreconditionFailedError extends AppError {
  readonly status = 412
  readonly code = 'PRECONDITION_FAILED'
  readonly title = 'Precondition failed'
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413
  readonly code = 'PAYLOAD_TOO_LARGE'
  readonly title = 'Payload too large'
}

export class UnsupportedMediaTypeError extends AppError {
  readonly status = 415
  readonly code = 'UNSUPPORTED_MEDIA_TYPE'
  readonly title = 'Unsupported media type'
}

export class ValidationError extends AppError {
  readonly status = 422
  readonly code = 'VALIDATION_ERROR'
  readonly title = 'Your request is not valid'
}

/** An `Idempotency-Key` already used for a different request (another operation or body). */
export class IdempotencyKeyReusedError extends AppError {
  readonly status = 422
  readonly code = 'IDEMPOTENCY_KEY_REUSED'
  readonly title = 'Idempotency key reused'
}

/** Raised by Node's HTTP parser, before any route: see `http/client-errors.ts`. */
export class RequestHeaderFieldsTooLargeError extends AppError {
  readonly status = 431
  readonly code = 'REQUEST_HEADER_FIELDS_TOO_LARGE'
  readonly title = 'Request header fields too large'
}

export class TooManyRequestsError extends AppError {
  readonly status = 429
  readonly code = 'TOO_MANY_REQUESTS'
  readonly title = 'Too many requests'
  override readonly headers: Readonly<Record<string, string>>

  constructor(detail: string, retryAfterSeconds: number, headers: Readonly<Record<string, string>> = {}) {
    super(detail)
    this.headers = { ...headers, ...retryAfter(retryAfterSeconds) }
  }
}

/**
 * The database is unreachable, too slow or locked by another process, or the server is
 * overloaded. `cause`, when given, is what the driver said: logged in one line, never sent.
 */
export class ServiceUnavailableError extends AppError {
  readonly status = 503
  readonly code = 'SERVICE_UNAVAILABLE'
  readonly title = 'Service unavailable'
  override readonly headers: Readonly<Record<string, string>>

  constructor(detail: string, retryAfterSeconds: number, options: ErrorOptions = {}) {
    super(detail)
    if ('cause' in options) this.cause = options.cause
    this.headers = retryAfter(retryAfterSeconds)
  }
}

/** `Retry-After` in whole seconds, at least 1: the spec declares it a safe integer >= 1. */
function retryAfter(seconds: number): Record<string, string> {
  return { 'Retry-After': String(Math.min(Number.MAX_SAFE_INTEGER, Math.max(1, Math.ceil(seconds)))) }
}

function invalidCount(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? ' is' : 's are'} invalid`
}

/** One error per field or parameter: several checks (or Ajv keywords) may flag the same one. */
function firstPerKey(errors: readonly FieldError[], key: (e: FieldError) => string | undefined): FieldError[] {
  const seen = new Set<string | undefined>()
  return errors.filter((e) => {
    const k = key(e)
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

/** A 400 naming each bad parameter once, whichever check found it. */
export function invalidParameters(errors: readonly FieldError[]): BadRequestError {
  const unique = firstPerKey(errors, (e) => e.parameter)
  return new BadRequestError(invalidCount(unique.length, 'parameter'), unique)
}

/** A 422 naming each invalid body field once (by JSON Pointer), whether the schema or a rule found it. */
export function invalidFields(errors: readonly FieldError[]): ValidationError {
  const unique = firstPerKey(errors, (e) => e.pointer)
  return new ValidationError(invalidCount(unique.length, 'field'), unique)
}
