/**
 * Opens a PostgreSQL database through node-postgres: a connection pool of configured
 * size and timeouts, and integers that come back as exact JavaScript numbers.
 */

import { type Driver, Kysely, type LogEvent } from 'kysely'
import pg from 'pg'
import { decodeText, TextEncodingPostgresDialect } from './postgres-text.js'
import type { Database, DatabaseSchema } from './schema.js'
import { UnavailableAs503Driver } from './unavailable.js'

export interface PoolOptions {
  /** Connections each process keeps at most. */
  readonly size: number
  /** How long taking a connection (a new one, or a turn at a busy pool) may wait before it fails. */
  readonly connectTimeoutMs: number
  /** How long one statement may run before PostgreSQL cancels it; 0 for no limit. */
  readonly statementTimeoutMs: number
}

export class UnsafeIntegerError extends Error {
  override readonly name = 'UnsafeIntegerError'
}

/**
 * `bigint` (ids, cents, counts) as a JavaScript number. node-postgres hands int8 over as
 * text because it may exceed 2^53; the service keeps every such value within it (ids and
 * amounts are bounded by the spec), so one beyond is refused rather than rounded.
 */
function parseSafeInteger(text: string): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value)) throw new UnsafeIntegerError(`the database returned ${text}, beyond JavaScript's exact integers`)
  return value
}

/**
 * This pool's own parsers: the process-wide defaults of `pg.types` stay untouched.
 * Text comes back decoded from the form that lets it hold U+0000 (postgres-text.ts).
 */
function typeParsers(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides()
  types.setTypeParser(pg.types.builtins.INT8, parseSafeInteger)
  types.setTypeParser(pg.types.builtins.TEXT, decodeText)
  types.setTypeParser(pg.types.builtins.VARCHAR, decodeText)
  return types
}

/** Text encoded on the way in (postgres-text.ts); a server that cannot serve a query answered 503 (unavailable.ts). */
class ServicePostgresDialect extends TextEncodingPostgresDialect {
  override createDriver(): Driver {
    return new UnavailableAs503Driver(super.createDriver())
  }
}

export function openPostgres(databaseUrl: string, options: PoolOptions, onQuery?: (sql: string) => void): Database {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.size,
    connectionTimeoutMillis: options.connectTimeoutMs,
    ...(options.statementTimeoutMs > 0 ? { statement_timeout: options.statementTimeoutMs } : {}),
    types: typeParsers(),
  })
  // An idle connection the server ended (a restart, an administrator, a network cut) is
  // dropped from the pool, and the next query opens a new one. Without a listener the
  // error would end the process.
  pool.on('error', () => undefined)
  return new Kysely<DatabaseSchema>({
    dialect: new ServicePostgresDialect({ pool }),
    ...(onQuery ? { log: (event: LogEvent) => onQuery(event.query.sql) } : {}),
  })
}
