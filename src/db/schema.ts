import type { Kysely } from 'kysely'
import type { GoalsTable } from '../goals/goals.table.js'
import type { IdempotencyKeysTable } from '../idempotency/idempotency.table.js'
import type { RateLimitsTable } from '../rate-limits/rate-limits.table.js'
import type { TasksTable } from '../tasks/tasks.table.js'
import type { TokensTable } from '../tokens/tokens.table.js'
import type { TransactionsTable } from '../transactions/transactions.table.js'
import type { UsersTable } from '../users/users.table.js'

/** Every table, as Kysely sees it. Each resource owns its table's interface. */
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
