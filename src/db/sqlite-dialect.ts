/**
 * Kysely's SQLite dialect with a driver of our own: the connection handed over without a
 * promise per query, transactions begun IMMEDIATE, and a write lock held by another
 * process waited for without blocking the event loop.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SelectQueryNode,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
} from 'kysely'
import { errorCode } from '../error-reason.js'
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
  return errorCode(error)?.startsWith('SQLITE_BUSY') === true
}

function databaseBusy(waitedMs: number): ServiceUnavailableError {
  return new ServiceUnavailableError(
    `The database is busy: its write lock, held by another process, was not free within ${waitedMs} ms. Nothing was changed; try again.`,
    1,
  )
}

/** The one answer to every release: nothing to wait for. */
const RELEASED: Promise<void> = Promise.resolve()

/**
 * Kysely's SQLite driver, rewritten for the request path: SQLite has one connection, and
 * the driver hands it to one caller at a time. Kysely's own takes a mutex through three
 * nested async functions on every query, a new promise each, even when nobody else holds
 * the connection; with two queries per GET that chain was the largest allocator of the
 * request (about 11 KB of the 61 KB a GET allocated, issue 10). Here a free connection is
 * handed over as one promise made once, and only a caller that must wait gets a promise
 * of its own; waiting callers are served in the order they came.
 *
 * And the two changes this service depends on: transactions begin IMMEDIATE, and a
 * statement that finds the write lock taken is tried again until `busyTimeoutMs` has
 * passed, pausing in between with the connection released, so that this process's other
 * queries (reads above all) go on meanwhile; then it fails with a 503. Only statements
 * outside a transaction (and the `begin` that starts one) are retried: SQLITE_BUSY means
 * the statement did nothing, and with no transaction open nothing else was done either.
 *
 * No savepoints (Kysely's driver had them): nothing here nests transactions that way, and
 * `savepoint()` on a transaction says so rather than doing something else.
 */
class LockWaitingSqliteDriver implements Driver {
  readonly #config: SqliteDialectConfig
  readonly #busyTimeoutMs: number
  #database: SqliteDatabase | undefined
  readonly #connection: DatabaseConnection = {
    executeQuery: <R>(query: CompiledQuery) => this.#execute<R>(query),
    streamQuery: <R>(query: CompiledQuery) => this.#stream<R>(query),
  }
  readonly #handedOver: Promise<DatabaseConnection> = Promise.resolve(this.#connection)
  #held = false
  readonly #waiting: Array<(connection: DatabaseConnection) => void> = []
  #inTransaction = false

  constructor(config: SqliteDialectConfig, busyTimeoutMs: number) {
    this.#config = config
    this.#busyTimeoutMs = busyTimeoutMs
  }

  async init(): Promise<void> {
    const { database, onCreateConnection } = this.#config
    this.#database = typeof database === 'function' ? await database() : database
    if (!onCreateConnection) return
    // Held while the hook runs, as any caller holds it: a busy retry inside releases it.
    const connection = await this.acquireConnection()
    try {
      await onCreateConnection(connection)
    } finally {
      await this.releaseConnection()
    }
  }

  acquireConnection(): Promise<DatabaseConnection> {
    if (!this.#held) {
      this.#held = true
      return this.#handedOver
    }
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  releaseConnection(): Promise<void> {
    const next = this.#waiting.shift()
    if (next) next(this.#connection)
    else this.#held = false
    return RELEASED
  }

  /**
   * IMMEDIATE takes the write lock up front. A deferred transaction that reads and then
   * writes cannot upgrade its lock when another process wrote in between (SQLITE_BUSY,
   * which no wait resolves); an immediate one waits its turn, so each read-check-write
   * runs alone.
   */
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
    this.#inTransaction = true
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'))
    this.#inTransaction = false
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw('rollback'))
    } finally {
      this.#inTransaction = false
    }
  }

  async destroy(): Promise<void> {
    this.#database?.close()
  }

  /** Runs a statement to its end, synchronously, as better-sqlite3 does. */
  #run<R>({ sql, parameters }: CompiledQuery): QueryResult<R> {
    const statement = (this.#database as SqliteDatabase).prepare(sql)
    if (statement.reader) return { rows: statement.all(parameters) as R[] }
    const { changes, lastInsertRowid } = statement.run(parameters)
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] }
  }

  #execute<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return Promise.resolve(this.#run<R>(query))
    } catch (error) {
      if (!isBusy(error)) return Promise.reject(error)
      if (this.#inTransaction) return Promise.reject(databaseBusy(BUSY_WAIT_PER_ATTEMPT_MS))
      return this.#retryWhileBusy<R>(query)
    }
  }

  async #retryWhileBusy<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const started = Date.now()
    for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, LONGEST_PAUSE_MS)) {
      if (Date.now() - started + pause > this.#busyTimeoutMs) throw databaseBusy(this.#busyTimeoutMs)
      // The caller holds the only connection: hand it back while waiting, take it again after.
      await this.releaseConnection()
      await sleep(pause)
      await this.acquireConnection()
      try {
        return this.#run<R>(query)
      } catch (error) {
        if (!isBusy(error)) throw error
      }
    }
  }

  async *#stream<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(query.query)) throw new Error('SQLite streams select queries only')
    const statement = (this.#database as SqliteDatabase).prepare(query.sql)
    for (const row of statement.iterate(query.parameters)) yield { rows: [row as R] }
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
