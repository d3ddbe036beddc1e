/**
 * A cursor page reads only its own rows at any depth: for every sort order and the
 * `done` filter, SQLite's plan for the keyset query is an index range on
 * (user_id, [done,] sort key), with no sort step of its own.
 */
import { CompiledQuery } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateToLatest, openDatabase } from '../../src/db/connection.js'
import type { Database } from '../../src/db/schema.js'
import { taskListQuery } from '../../src/tasks/tasks.repository.js'

let db: Database
beforeAll(async () => {
  db = openDatabase(':memory:')
  await migrateToLatest(db)
})
afterAll(() => db.destroy())

async function planOf(query: CompiledQuery): Promise<string> {
  const rows = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]))
  return rows.rows.map((row) => row.detail).join(' | ')
}

describe('the keyset query of the tasks list', () => {
  const after = { key: 'Some Title', id: 500 }
  it.each([
    ['created_at', {}, /^SEARCH tasks USING INDEX tasks_user_created \(user_id=\? AND created_at>\?\)$/],
    ['-created_at', {}, /^SEARCH tasks USING INDEX tasks_user_created \(user_id=\? AND created_at<\?\)$/],
    ['title', {}, /^SEARCH tasks USING INDEX tasks_user_title \(user_id=\? AND <expr>>\?\)$/],
    ['-title', {}, /^SEARCH tasks USING INDEX tasks_user_title \(user_id=\? AND <expr><\?\)$/],
    ['created_at', { done: true }, /^SEARCH tasks USING INDEX tasks_user_done_created \(user_id=\? AND done=\? AND created_at>\?\)$/],
    ['-title', { done: false }, /^SEARCH tasks USING INDEX tasks_user_done_title \(user_id=\? AND done=\? AND <expr><\?\)$/],
  ] as const)('sort=%s %o: an index range, no temporary sort', async (sort, filter, plan) => {
    expect(await planOf(taskListQuery(db, 1, filter, sort, { limit: 21, after }).compile())).toMatch(plan)
  })
})
