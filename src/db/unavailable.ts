/**
 * A PostgreSQL server that cannot serve a query now, as the client hears it: 503 with
 * Retry-After, never a 500 with a stack trace in the log, and never a hang. Three ways:
 *
 * - unreachable: the server refuses or resets connections, does not answer within
 *   DATABASE_CONNECT_TIMEOUT_MS, is shutting down, or a connection dies mid-request;
 * - no connection in time: every pooled connection is taken (by requests, or by attempts
 *   to connect to a server that does not answer) and none became free within
 *   DATABASE_CONNECT_TIMEOUT_MS (pg-pool's wait is bounded: no endless queue);
 * - too slow: a statement ran past DATABASE_STATEMENT_TIMEOUT_MS and PostgreSQL
 *   cancelled it (its transaction is rolled back with it).
 *
 * The pool reconnects by itself: a connection that failed is dropped, not reused, and
 * the next query opens a new one, so the service recovers when the database is back.
 * Every query goes through {@link UnavailableAs503Driver}, so every path (authentication,
 * transactions, /readyz) hears the same 503.
 */
import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely'
import { errorCode } from '../error-reason.js'
import { ServiceUnavailableError } from '../errors.js'
import { WrappingDriver } from './wrapping-driver.js'

/** A database that is down usually takes seconds to come back, not milliseconds. */
export const UNREACHABLE_RETRY_AFTER_SECONDS = 5
/** A pool that is busy now, or a statement that met a lock, is worth trying again soon. */
const BUSY_RETRY_AFTER_SECONDS = 1

/** `query_canceled`: statement_timeout, or an administrator's pg_cancel_backend. */
const PG_QUERY_CANCELED = '57014'
/**
 * Connection exceptions (class 08), login refused (28), no such database (3D), too many
 * connections (53300), and the server shutting down, crashed or still starting (57P01-03).
 */
const PG_CANNOT_SERVE = /^(?:(?:08|28|3D)[0-9A-Z]{3}|53300|57P0[1-3])$/
/** A system error from the socket: ECONNREFUSED, ECONNRESET, ETIMEDOUT, EHOSTUNREACH, ... */
const SYSTEM_ERROR = /^E[A-Z]+$/

/**
 * node-postgres says these in words only (pg 8, pg-pool 3; test/db/postgres-faults.test.ts
 * would notice a change): a connection that ended, or timed out while opening
 * ("Connection terminated due to connection timeout"), or a client already broken.
 */
const CONNECTION_LOST = /^(?:Connection terminated|Client has encountered a connection error|Client was closed)/
/** pg-pool waited DATABASE_CONNECT_TIMEOUT_MS for a turn at a pool whose every connection was taken. */
const POOL_WAIT_TIMED_OUT = 'timeout exceeded when trying to connect'

/**
 * Whether `error` says the server cannot be reached or cannot serve this connection (the
 * error itself, not its causes). Start-up reports these as a DATABASE_URL problem
 * (start-up-failure.ts); while running they are a 503.
 */
export function isConnectionFailure(error: Error): boolean {
  // Node's refusal from a name with several addresses (localhost: ::1 and 127.0.0.1).
  if (error instanceof AggregateError) return true
  const code = errorCode(error)
  if (code !== undefined && (SYSTEM_ERROR.test(code) || PG_CANNOT_SERVE.test(code))) return true
  return CONNECTION_LOST.test(error.message)
}

/** The 503 that `error` from the driver means, or undefined when it means something else (a bug, a constraint). */
function unavailability(error: unknown): ServiceUnavailableError | undefined {
  if (!(error instanceof Error)) return undefined
  if (errorCode(error) === PG_QUERY_CANCELED) {
    return new ServiceUnavailableError(
      'The database took too long to answer, and the statement was cancelled. Try again after Retry-After seconds.',
      BUSY_RETRY_AFTER_SECONDS,
      { cause: error },
    )
  }
  if (error.message === POOL_WAIT_TIMED_OUT) {
    return new ServiceUnavailableError(
      'No connection to the database became free in time: it is busy, or cannot be reached. Try again after Retry-After seconds.',
      BUSY_RETRY_AFTER_SECONDS,
      { cause: error },
    )
  }
  if (isConnectionFailure(error)) {
    return new ServiceUnavailableError('The database cannot be reached. Try again after Retry-After seconds.', UNREACHABLE_RETRY_AFTER_SECONDS, {
      cause: error,
    })
  }
  return undefined
}

function rethrown(error: unknown): never {
  throw unavailability(error) ?? error
}

/**
 * A driver whose every failure to connect or to run a statement that {@link unavailability}
 * recognises is thrown as its 503 instead; transactions begin, commit and roll back
 * through the connections it hands out, so they are covered too.
 */
export class UnavailableAs503Driver extends WrappingDriver {
  override acquireConnection(): Promise<DatabaseConnection> {
    return super.acquireConnection().catch(rethrown)
  }

  protected wrap(connection: DatabaseConnection): DatabaseConnection {
    return {
      executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> => connection.executeQuery<R>(query).catch(rethrown),
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    }
  }
}
