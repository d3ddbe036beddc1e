/**
 * Kysely's SQLite dialect, changed in two ways this service depends on: transactions
 * begin IMMEDIATE, and a write lock held by another process is waited for without
 * blocking the event loop.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely'
import { ServiceUnavailableError } from '../errors.js'

/**
 * SQLite's own busy_timeout: how long one attempt may wait for the lock. That wait blocks
 * the only thread, so it is kept short; the longer wait happens between attempts, below.
 */
export const BUSY_WAIT_PER_ATTEMPT_MS = 10

/** Pauses between attempts double from the first to the longest. */
const FIRST_PAUSE_MS = 5
const LONGEST_PAUSE_MS = 100

/** SQLITE_BUSY and its extended codes (SQLITE_BUSY_RECOVERY, SQLITE_BUSY_SNAPSHOT, ...). */
function isBusy(error: unknown): boolean {
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY')
}

function databaseBusy(waitedMs: number): ServiceUnavailableError {
  return new ServiceUnavailableError(
    `The database is busy: another process has held its write lock for over ${waitedMs} ms. Nothing was changed; try again.`,
    1,
  )
}

/**
 * A statement that finds the write lock taken is tried again until `busyTimeoutMs` has
 * passed, pausing in between with the connection released, so that this process's other
 * queries (reads above all) go on meanwhile; then it fails with a 503. Only statements
 * outside a transaction (and the `begin` that starts one) are retried: SQLITE_BUSY means
 * the statement did nothing, and with no transaction open nothing else was done either.
 */
class LockWaitingSqliteDriver extends SqliteDriver {
  readonly #busyTimeoutMs: number
  #inTransaction = false

  constructor(config: SqliteDialectConfig, busyTimeoutMs: number) {
    super(config)
    this.#busyTimeoutMs = busyTimeoutMs
  }

  /** SQLite has one connection: it is wrapped once, not on every query. */
  #wrapped: { readonly of: DatabaseConnection; readonly connection: DatabaseConnection } | undefined

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection()
    if (this.#wrapped?.of !== connection) {
      this.#wrapped = {
        of: connection,
        connection: {
          executeQuery: <R>(query: CompiledQuery) =>
            this.#inTransaction ? this.#executeOnce<R>(connection, query) : this.#executeWaiting<R>(connection, query),
          streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
        },
      }
    }
    return this.#wrapped.connection
  }

  /**
   * IMMEDIATE takes the write lock up front. A deferred transaction that reads and then
   * writes cannot upgrade its lock when another process wrote in between (SQLITE_BUSY,
   * which no wait resolves); an immediate one waits its turn, so each read-check-write
   * runs alone.
   */
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
    this.#inTransaction = true
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'))
    this.#inTransaction = false
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw('rollback'))
    } finally {
      this.#inTransaction = false
    }
  }

  async #executeOnce<R>(connection: DatabaseConnection, query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await connection.executeQuery<R>(query)
    } catch (error) {
      throw isBusy(error) ? databaseBusy(BUSY_WAIT_PER_ATTEMPT_MS) : error
    }
  }

  async #executeWaiting<R>(connection: DatabaseConnection, query: CompiledQuery): Promise<QueryResult<R>> {
    const started = Date.now()
    for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, LONGEST_PAUSE_MS)) {
      try {
        return await connection.executeQuery<R>(query)
      } catch (error) {
        if (!isBusy(error)) throw error
        if (Date.now() - started + pause > this.#busyTimeoutMs) throw databaseBusy(this.#busyTimeoutMs)
      }
      // The caller holds the only connection: hand it back while waiting, take it again after.
      await this.releaseConnection()
      await sleep(pause)
      await super.acquireConnection()
    }
  }
}

export class LockWaitingSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig
  readonly #busyTimeoutMs: number

  /** `busyTimeoutMs`: how long a write may wait for another process's lock before a 503. */
  constructor(config: SqliteDialectConfig & { readonly busyTimeoutMs: number }) {
    super(config)
    this.#config = config
    this.#busyTimeoutMs = config.busyTimeoutMs
  }

  override createDriver(): Driver {
    return new LockWaitingSqliteDriver(this.#config, this.#busyTimeoutMs)
  }
}
