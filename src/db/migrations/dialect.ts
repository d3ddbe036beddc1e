/**
 * The column types and pieces of DDL that differ between SQLite and PostgreSQL, for the
 * migrations (which never import app code). What each one produces on SQLite is exactly
 * what the migrations produced before PostgreSQL came in: a SQLite database migrated
 * back then has the same schema as one migrated now.
 */
import { type ColumnDefinitionBuilder, type Kysely, PostgresAdapter } from 'kysely'

export function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter
}

/**
 * Ids, and the columns that hold them. The API allows ids up to 2^53 - 1: SQLite's
 * integer is 64-bit; PostgreSQL's `integer` is 32-bit, so there they are `bigint` (which
 * the pool reads back as exact numbers, db/postgres.ts).
 */
export function idType(db: Kysely<unknown>): 'integer' | 'bigint' {
  return isPostgres(db) ? 'bigint' : 'integer'
}

/** A generated primary key: SQLite's `autoincrement` (never reused), PostgreSQL's identity. */
export function generatedId(db: Kysely<unknown>) {
  return (col: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    isPostgres(db) ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement()
}

/**
 * Whole cents. SQLite's integer is 64-bit already; PostgreSQL's `integer` is 32-bit,
 * which would cap an amount at about 21 million.
 */
export function centsType(db: Kysely<unknown>): 'integer' | 'bigint' {
  return isPostgres(db) ? 'bigint' : 'integer'
}
