/**
 * Every SQL statement on `goals`. Each one is scoped to the owner: there is no way to
 * reach a goal without naming the user it belongs to.
 */
import { countRows, inCreatedOrder, type RowRange } from '../db/keyset.js'
import { type Placeholders, prepareQuery } from '../db/prepared-query.js'
import type { Database } from '../db/schema.js'
import type { GoalRow } from '../db/tables/goals.table.js'

export interface GoalFilter {
  /** A goal's id for its direct sub-goals; null for top-level goals. */
  readonly parentId?: number | null
  readonly completed?: boolean
}

export interface GoalFields {
  readonly name: string
  readonly description: string
  readonly parent_id: number | null
  readonly end: string | null
}

function filtered(db: Database, userId: number, filter: GoalFilter) {
  let query = db.selectFrom('goals').where('user_id', '=', userId)
  // `is` only for null: PostgreSQL takes no value after `is`.
  if (filter.parentId === null) query = query.where('parent_id', 'is', null)
  else if (filter.parentId !== undefined) query = query.where('parent_id', '=', filter.parentId)
  if (filter.completed !== undefined) query = query.where('end', filter.completed ? 'is not' : 'is', null)
  return query
}

/**
 * A page of goals in (created_at, id) order: by offset, or after a keyset position
 * (served by the (user_id, created_at, id) and (user_id, parent_id, created_at, id) indexes).
 */
export function selectGoals(db: Database, userId: number, filter: GoalFilter, range: RowRange): Promise<GoalRow[]> {
  return inCreatedOrder(filtered(db, userId, filter).selectAll(), range).execute()
}

export function countGoals(db: Database, userId: number, filter: GoalFilter): Promise<number> {
  return countRows(filtered(db, userId, filter))
}

/** All of a user's goals in sibling order, for assembling the tree: one query, whatever the depth. */
export function selectAllGoals(db: Database, userId: number): Promise<GoalRow[]> {
  return db.selectFrom('goals').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute()
}

type GoalKey = { userId: number; id: number }

const selectGoalQuery = prepareQuery((db, p: Placeholders<GoalKey>) => db.selectFrom('goals').selectAll().where('user_id', '=', p('userId')).where('id', '=', p('id')))

export function selectGoal(db: Database, userId: number, id: number): Promise<GoalRow | undefined> {
  return selectGoalQuery.executeTakeFirst(db, { userId, id })
}

/**
 * Whether `goalId` is `candidateId` or one of its ancestors, walking up from the
 * candidate: the question "would this parent make a cycle?".
 */
const selfOrAncestorQuery = prepareQuery((db, p: Placeholders<{ userId: number; goalId: number; candidateId: number }>) =>
  db
    .withRecursive('ancestors(id, parent_id)', (qb) =>
      qb
        .selectFrom('goals')
        .select(['id', 'parent_id'])
        .where('user_id', '=', p('userId'))
        .where('id', '=', p('candidateId'))
        .unionAll((qb) => qb.selectFrom('goals').innerJoin('ancestors', 'ancestors.parent_id', 'goals.id').select(['goals.id', 'goals.parent_id'])),
    )
    .selectFrom('ancestors')
    .select('id')
    .where('id', '=', p('goalId')),
)

export async function isSelfOrAncestor(db: Database, userId: number, goalId: number, candidateId: number): Promise<boolean> {
  const hit = await selfOrAncestorQuery.executeTakeFirst(db, { userId, goalId, candidateId })
  return hit !== undefined
}

const insertGoalQuery = prepareQuery((db, p: Placeholders<{ userId: number; name: string; description: string; parentId: number | null; now: string }>) =>
  db
    .insertInto('goals')
    .values({
      user_id: p('userId'),
      name: p('name'),
      description: p('description'),
      parent_id: p('parentId'),
      start: p('now'),
      end: null,
      created_at: p('now'),
      updated_at: p('now'),
    })
    .returningAll(),
)

export function insertGoal(db: Database, userId: number, fields: Omit<GoalFields, 'end'>, now: string): Promise<GoalRow> {
  const { name, description, parent_id: parentId } = fields
  return insertGoalQuery.executeTakeFirstOrThrow(db, { userId, name, description, parentId, now })
}

export function updateGoal(db: Database, userId: number, id: number, fields: Partial<GoalFields>, now: string): Promise<GoalRow | undefined> {
  return db
    .updateTable('goals')
    .set({ ...fields, updated_at: now })
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
}

const deleteGoalSubtreeQuery = prepareQuery((db, p: Placeholders<GoalKey>) =>
  db
    .withRecursive('subtree(id)', (qb) =>
      qb
        .selectFrom('goals')
        .select('id')
        .where('user_id', '=', p('userId'))
        .where('id', '=', p('id'))
        .unionAll((qb) => qb.selectFrom('goals').innerJoin('subtree', 'subtree.id', 'goals.parent_id').select('goals.id')),
    )
    .deleteFrom('goals')
    .where('user_id', '=', p('userId'))
    .where('id', 'in', (qb) => qb.selectFrom('subtree').select('id')),
)

/** Deletes the goal and every goal below it in one statement; returns how many went. */
export async function deleteGoalSubtree(db: Database, userId: number, id: number): Promise<number> {
  const { numAffectedRows } = await deleteGoalSubtreeQuery.execute(db, { userId, id })
  return Number(numAffectedRows ?? 0n)
}
