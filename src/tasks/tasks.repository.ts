/**
 * Every SQL statement on `tasks`. Each one is scoped to the owner: there is no way to
 * reach a task without naming the user it belongs to.
 */
import { type Expression, type ExpressionBuilder, sql } from 'kysely'
import { unicodeLower } from '../db/dialect-specific.js'
import { afterPosition, countRows, type RowRange, type SortDirection } from '../db/keyset.js'
import { type Placeholders, type PreparedQuery, prepareQuery } from '../db/prepared-query.js'
import type { Database, DatabaseSchema } from '../db/schema.js'
import type { TaskRow } from '../db/tables/tasks.table.js'

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
    query = query.where(sql<boolean>`${unicodeLower(db, sql.ref('title'))} like ${likePattern(filter.titleContains)} escape '\\'`)
  }
  return query
}

/** The sort key of an order, as SQL: titles compare ignoring case. */
function sortKey(db: Database, eb: ExpressionBuilder<DatabaseSchema, 'tasks'>, sort: TaskSort): Expression<string> {
  return sort.endsWith('title') ? unicodeLower(db, eb.ref('title')) : eb.ref('created_at')
}

/** A row's value of the sort key, as a cursor keeps it (the keyset query lowers it again). */
export function taskSortKey(row: TaskRow, sort: TaskSort): string {
  return sort.endsWith('title') ? row.title : row.created_at
}

/**
 * A page of tasks in `sort` order, ties broken by `id`: by offset, or after a keyset
 * position (served by the (user_id, key, id) indexes of migration 0007).
 */
export function selectTasks(db: Database, userId: number, filter: TaskFilter, sort: TaskSort, range: RowRange): Promise<TaskRow[]> {
  return taskListQuery(db, userId, filter, sort, range).execute()
}

/** The query of {@link selectTasks}, unrun: its plan is checked in the tests. */
export function taskListQuery(db: Database, userId: number, filter: TaskFilter, sort: TaskSort, range: RowRange) {
  const direction: SortDirection = sort.startsWith('-') ? 'desc' : 'asc'
  let query = filtered(db, userId, filter).selectAll()
  const { after } = range
  if (after) {
    query = query.where((eb) =>
      afterPosition(eb, sortKey(db, eb, sort), sort.endsWith('title') ? unicodeLower(db, eb.val(after.key)) : eb.val(after.key), eb.ref('id'), after, direction),
    )
  }
  query = query
    .orderBy((eb) => sortKey(db, eb, sort), direction)
    .orderBy('id', direction)
    .limit(range.limit)
  return range.offset ? query.offset(range.offset) : query
}

export function countTasks(db: Database, userId: number, filter: TaskFilter): Promise<number> {
  return countRows(filtered(db, userId, filter))
}

type TaskKey = { userId: number; id: number }

const selectTaskQuery = prepareQuery((db, p: Placeholders<TaskKey>) => db.selectFrom('tasks').selectAll().where('user_id', '=', p('userId')).where('id', '=', p('id')))

export function selectTask(db: Database, userId: number, id: number): Promise<TaskRow | undefined> {
  return selectTaskQuery.executeTakeFirst(db, { userId, id })
}

const insertTaskQuery = prepareQuery((db, p: Placeholders<{ userId: number; title: string; description: string; done: number; now: string }>) =>
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

type TaskChanges = Partial<{ title: string; description: string; done: number }>
type TaskUpdate = TaskKey & { now: string } & TaskChanges

/** Columns a task update may change, in one fixed order: a set of them names its prepared query. */
const CHANGEABLE = ['title', 'description', 'done'] as const

/** One prepared update per set of changed columns (at most seven), as a PATCH may change any of them. */
const updateTaskQueries = new Map<string, PreparedQuery<TaskUpdate, TaskRow>>()

function updateTaskQuery(columns: readonly (keyof TaskChanges)[]): PreparedQuery<TaskUpdate, TaskRow> {
  const shape = columns.join(',')
  let query = updateTaskQueries.get(shape)
  if (query === undefined) {
    query = prepareQuery((db, p: Placeholders<TaskUpdate>) => {
      const set: Record<string, unknown> = {}
      for (const column of columns) set[column] = p(column)
      return db
        .updateTable('tasks')
        .set({ ...set, updated_at: p('now') })
        .where('user_id', '=', p('userId'))
        .where('id', '=', p('id'))
        .returningAll()
    })
    updateTaskQueries.set(shape, query)
  }
  return query
}

/** Changes the fields given (at least one), and `updated_at`. */
export function updateTask(db: Database, userId: number, id: number, fields: Partial<TaskFields>, now: string): Promise<TaskRow | undefined> {
  const changes: TaskChanges = {}
  if (fields.title !== undefined) changes.title = fields.title
  if (fields.description !== undefined) changes.description = fields.description
  if (fields.done !== undefined) changes.done = fields.done ? 1 : 0
  const columns = CHANGEABLE.filter((column) => changes[column] !== undefined)
  return updateTaskQuery(columns).executeTakeFirst(db, { userId, id, now, ...changes })
}

const deleteTaskQuery = prepareQuery((db, p: Placeholders<TaskKey>) => db.deleteFrom('tasks').where('user_id', '=', p('userId')).where('id', '=', p('id')))

export async function deleteTask(db: Database, userId: number, id: number): Promise<boolean> {
  const { numAffectedRows } = await deleteTaskQuery.execute(db, { userId, id })
  return (numAffectedRows ?? 0n) > 0n
}
