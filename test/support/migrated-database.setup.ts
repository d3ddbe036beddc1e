/**
 * Global setup: one database with every migration run, made once per test run, which
 * test/support/server.ts copies for each server that does not name its own. Migrating a
 * fresh file takes a dozen durable commits (~170 ms measured on a busy 2-core machine);
 * copying a migrated one takes a few. The test processes inherit its path in
 * {@link MIGRATED_DATABASE_VARIABLE}; the file is removed when the run ends.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultConfig } from '../../src/config.js'
import { migrateToLatest, openDatabase } from '../../src/db/connection.js'

export const MIGRATED_DATABASE_VARIABLE = 'ACHIEVER_MIGRATED_DATABASE'

export async function setup(): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'achiever-migrated-'))
  const path = join(dir, 'migrated.sqlite')
  const db = openDatabase(path, { busyTimeoutMs: defaultConfig.databaseBusyTimeoutMs })
  try {
    await migrateToLatest(db)
  } finally {
    // Closing checkpoints the write-ahead log into the file, so the file alone is whole.
    await db.destroy()
  }
  process.env[MIGRATED_DATABASE_VARIABLE] = path
  return () => rmSync(dir, { recursive: true, force: true })
}
