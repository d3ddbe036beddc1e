/**
 * Every place where SQLite and PostgreSQL need different SQL for the same meaning. The
 * repositories write each query once and ask here for the few expressions that differ;
 * the migrations have their own counterpart (migrations/dialect.ts), since they describe
 * the schema as it was when written and never import app code.
 */
import { type Expression, type Kysely, PostgresAdapter, type RawBuilder, sql } from 'kysely'
import type { DialectName } from '../config.js'

/** Which database `db` (a database or a transaction) runs on, from its dialect's adapter. */
export function dialectOf<DB>(db: Kysely<DB>): DialectName {
  // getExecutor() is marked internal in Kysely's typings; prepared-query.ts relies on it too.
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite'
}

/**
 * `text` lowered the way JavaScript's `toLowerCase` does (full Unicode case mapping,
 * final sigma included), compared and ordered by code point: the key of the tasks' title
 * filter and sort. SQLite: the `lower` that the connection defines in JavaScript.
 * PostgreSQL: `lower` under ICU's root locale (the same Unicode mapping), then the "C"
 * collation, so that the order is by code point as SQLite's binary order is, whatever
 * the database's own collation. Migration 0007 indexes exactly this expression.
 */
export function unicodeLower<DB>(db: Kysely<DB>, text: Expression<string>): RawBuilder<string> {
  return dialectOf(db) === 'postgres' ? sql<string>`(lower(${text}::text collate "und-x-icu") collate "C")` : sql<string>`lower(${text})`
}

/**
 * An email address as the unique index compares it: ASCII letters folded, nothing else,
 * as SQLite's `COLLATE NOCASE` column does (there the column compares so by itself). On
 * PostgreSQL the unique index of migration 0001 is on exactly this expression.
 */
export function emailKey<DB>(db: Kysely<DB>, email: Expression<string>): Expression<string> {
  return dialectOf(db) === 'postgres' ? sql<string>`lower(${email}::text collate "C")` : email
}
