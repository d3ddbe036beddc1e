import type { Kysely } from 'kysely'
import type { GoalsTable } from './tables/goals.table.js'
import type { IdempotencyKeysTable } from './tables/idempotency.table.js'
import type { RateLimitsTable } from './tables/rate-limits.table.js'
import type { TasksTable } from './tables/tasks.table.js'
import type { TokensTable } from './tables/tokens.table.js'
import type { TransactionsTable } from './tables/transactions.table.js'
import type { UsersTable } from './tables/users.table.js'

/**
 * Every table, as Kysely sees it. Each table's row types live in tables/, next to the
 * migrations that create it: the schema is db/'s, and the features that query a table
 * import its types from there (never the other way round).
 */
export interface DatabaseSchema {
  users: UsersTable
  tokens: TokensTable
  tasks: TasksTable
  goals: GoalsTable
  transactions: TransactionsTable
  idempotency_keys: IdempotencyKeysTable
  rate_limits: RateLimitsTable
}

/** The only way to the data. Repositories take one of these (or a transaction). */
export type Database = Kysely<DatabaseSchema>
