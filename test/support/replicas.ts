/**
 * Several replicas of the service on one shared test database, as a load balancer would
 * see them: each its own process (src/server.ts through tsx, test/support/process.ts), so
 * that what they race over is the database, never a lock or a cache in one process. On
 * SQLite they share one file; with `TEST_DATABASE=postgres`, one PostgreSQL database.
 */
import { copyFileSync } from 'node:fs'
import { defaultConfig } from '../../src/config.js'
import { databaseOptions, migrateToLatest, openDatabase } from '../../src/db/connection.js'
import type { Database } from '../../src/db/schema.js'
import type { ApiClient } from './client.js'
import { createTestDatabase, testDatabaseKind } from './database.js'
import { MIGRATED_DATABASE_VARIABLE } from './migrated-database.setup.js'
import { type ServerProcess, startServerProcess } from './process.js'

export interface Replicas {
  readonly processes: readonly ServerProcess[]
  /** The client of replica `i % count`: spreads requests round-robin, as a load balancer would. */
  api(i: number): ApiClient
  /** The shared database, opened by the test itself, to look at what the replicas left in it. */
  readonly db: Database
  /** Stops every replica, closes `db` and drops the database. */
  stop(): Promise<void>
}

/** The one address a load balancer would give all replicas: each names resources by it, whichever served the request. */
const REPLICAS_PUBLIC_URL = 'http://api.replicas.test'

/** What each replica needs besides its database (and the test settings every server process gets, support/process.ts). */
const REPLICA_ENV = { PUBLIC_URL: REPLICAS_PUBLIC_URL }

/** Starts `count` replicas on one new database, already migrated, and waits until each listens. */
export async function startReplicas(count: number, env: Record<string, string> = {}): Promise<Replicas> {
  const database = await createTestDatabase('replicas.sqlite')
  const url = database.url
  // Migrated before any replica starts, so that they all start at once and find nothing to
  // do (starting at once on an empty database has its own test: test/db/postgres.test.ts).
  const migrated = process.env[MIGRATED_DATABASE_VARIABLE]
  if (testDatabaseKind === 'sqlite' && migrated !== undefined) copyFileSync(migrated, url)
  const db = openDatabase(url, databaseOptions(defaultConfig))
  const processes: ServerProcess[] = []
  const stop = async () => {
    await Promise.all(processes.map((replica) => replica.stop()))
    await db.destroy()
    await database.drop()
  }
  try {
    await migrateToLatest(db)
    const started = await Promise.allSettled(Array.from({ length: count }, () => startServerProcess({ DATABASE_URL: url, ...REPLICA_ENV, ...env })))
    for (const result of started) if (result.status === 'fulfilled') processes.push(result.value)
    const failed = started.find((result) => result.status === 'rejected')
    if (failed) throw failed.reason
  } catch (error) {
    await stop()
    throw error
  }
  return {
    processes,
    api: (i) => (processes[i % processes.length] as ServerProcess).api,
    db,
    stop,
  }
}
