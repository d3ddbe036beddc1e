/**
 * Every SQL statement on `tasks`. Each one is scoped to the owner: there is no way to
 * reach a task without naming the user it belongs to.
 */
import { sql } from 'kysely'
import { type Placeholders, prepareQuery } from '../db/prepared-query.js'
import type { Database } from '../db/schema.js'
import type { TaskRow } from './tasks.table.js'

export type TaskSort = 'created_at' | '-created_at' | 'title' | '-title'

export interface TaskFilter {
  readonly done?: boolean
  /** Case-insensitive substring of the title. */
  readonly titleContains?: string
}

export interface TaskFields {
  readonly title: string
  readonly description: string
  readonly done: boolean
}

/** `%`, `_` and `\` match themselves in a user's search text. */
function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, '\\$&')}%`
}

function filtered(db: Database, userId: number, filter: TaskFilter) {
  let query = db.selectFrom('tasks').where('user_id', '=', userId)
  if (filter.done !== undefined) query = query.where('done', '=', filter.done ? 1 : 0)
  if (filter.titleContains) {
    query = query.where(sql<boolean>`lower(${sql.ref('title')}) like ${likePattern(filter.titleContains)} escape '\\'`)
  }
  return query
}

export async function selectTaskPage(
  db: Database,
  userId: number,
  filter: TaskFilter,
  sort: TaskSort,
  limit: number,
  offset: number,
): Promise<{ rows: TaskRow[]; total: number }> {
  const direction = sort.startsWith('-') ? 'desc' : 'asc'
  const base = filtered(db, userId, filter)
  let query = base.selectAll()
  query = sort.endsWith('title')
    ? query.orderBy((eb) => eb.fn('lower', ['title']), direction)
    : query.orderBy('created_at', direction)
  const [rows, count] = await Promise.all([
    query.orderBy('id', direction).limit(limit).offset(offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ])
  return { rows, total: Number(count.total) }
}

type TaskKey = { userId: number; id: number }

const selectTaskQuery = prepareQuery((db, p: Placeholders<TaskKey>) =>
  db.selectFrom('tasks').selectAll().where('user_id', '=', p('userId')).where('id', '=', p('id')),
)

export function selectTask(db: Database, userId: number, id: number): Promise<TaskRow | undefined> {
  return selectTaskQuery.executeTakeFirst(db, { userId, id })
}

const insertTaskQuery = prepareQuery(
  (db, p: Placeholders<{ userId: number; title: string; description: string; done: number; now: string }>) =>
    db
      .insertInto('tasks')
      .values({
        user_id: p('userId'),
        title: p('title'),
        description: p('description'),
        done: p('done'),
        created_at: p('now'),
        updated_at: p('now'),
      })
      .returningAll(),
)

export function insertTask(db: Database, userId: number, fields: TaskFields, now: string): Promise<TaskRow> {
  const { title, description, done } = fields
  return insertTaskQuery.executeTakeFirstOrThrow(db, { userId, title, description, done: done ? 1 : 0, now })
}

export function updateTask(
  db: Database,
  userId: number,
  id: number,
  fields: Partial<TaskFields>,
  now: string,
): Promise<TaskRow | undefined> {
  const { done, ...rest } = fields
  return db
    .updateTable('tasks')
    .set({ ...rest, ...(done === undefined ? {} : { done: done ? 1 : 0 }), updated_at: now })
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
}

const deleteTaskQuery = prepareQuery((db, p: Placeholders<TaskKey>) =>
  db.deleteFrom('tasks').where('user_id', '=', p('userId')).where('id', '=', p('id')),
)

export async function deleteTask(db: Database, userId: number, id: number): Promise<boolean> {
  const { numAffectedRows } = await deleteTaskQuery.execute(db, { userId, id })
  return (numAffectedRows ?? 0n) > 0n
}
