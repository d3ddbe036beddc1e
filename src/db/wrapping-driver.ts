/**
 * A Kysely driver that hands out another driver's connections wrapped: to change each
 * query on its way in (postgres-text.ts) or each failure on its way out (unavailable.ts).
 * Transactions begin, commit and roll back through the wrapped connection, so they get the
 * same treatment; only releasing needs the inner driver's own connection back.
 */
import type { DatabaseConnection, Driver, TransactionSettings } from 'kysely'

export abstract class WrappingDriver implements Driver {
  readonly #driver: Driver
  readonly #original = new WeakMap<DatabaseConnection, DatabaseConnection>()

  constructor(driver: Driver) {
    this.#driver = driver
  }

  /** The connection the rest of Kysely uses (and logs each query on) instead of `connection`. */
  protected abstract wrap(connection: DatabaseConnection): DatabaseConnection

  init(): Promise<void> {
    return this.#driver.init()
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.#driver.acquireConnection()
    const wrapped = this.wrap(connection)
    this.#original.set(wrapped, connection)
    return wrapped
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#driver.beginTransaction(connection, settings)
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#driver.commitTransaction(connection)
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#driver.rollbackTransaction(connection)
  }

  /** Only the inner driver can release its own connection. */
  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.#driver.releaseConnection(this.#original.get(connection) ?? connection)
  }

  destroy(): Promise<void> {
    return this.#driver.destroy()
  }
}
