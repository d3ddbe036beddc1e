/**
 * The static list of migrations, in order. Migrations never import app code: they
 * describe the schema as it was when they were written.
 */
import type { Migration, MigrationProvider } from 'kysely'
import * as usersAndTokens from './0001_users_and_tokens.js'
import * as tasks from './0002_tasks.js'
import * as goals from './0003_goals.js'
import * as transactions from './0004_transactions.js'
import * as idempotencyKeys from './0005_idempotency_keys.js'
import * as idempotencyKeyOperation from './0006_idempotency_key_operation.js'
import * as listKeysetIndexes from './0007_list_keyset_indexes.js'
import * as rateLimits from './0008_rate_limits.js'

const migrations: Record<string, Migration> = {
  '0001_users_and_tokens': usersAndTokens,
  '0002_tasks': tasks,
  '0003_goals': goals,
  '0004_transactions': transactions,
  '0005_idempotency_keys': idempotencyKeys,
  '0006_idempotency_key_operation': idempotencyKeyOperation,
  '0007_list_keyset_indexes': listKeysetIndexes,
  '0008_rate_limits': rateLimits,
}

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
}
