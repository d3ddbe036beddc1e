/**
 * Creates the directories a SQLite file is to live in, one level at a time. Not
 * `mkdirSync(..., { recursive: true })`: on Node 20 that never returns where a directory
 * cannot be made and its parent exists (under /proc it loops at full CPU, retrying the
 * parent), so `DATABASE_URL=/proc/nope/x.db` hung start-up. One `mkdir` per missing level
 * fails at once with the error that names the directory.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

export function createDirectoriesFor(filePath: string): void {
  const missing: string[] = []
  // The root always exists, so the walk up ends.
  for (let directory = dirname(resolve(filePath)); !existsSync(directory); directory = dirname(directory)) missing.unshift(directory)
  for (const directory of missing) {
    try {
      mkdirSync(directory)
    } catch (error) {
      // Another process (a second server on the same file) made it first: that is fine.
      if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error
    }
  }
}
