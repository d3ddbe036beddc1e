/**
 * Goal rules: names unique per user, parents among your own goals, no cycles, and no
 * `end` before `start`. Each change is checked and written in one transaction; the
 * database's own constraints (a foreign key, a trigger, a check) back every rule up.
 */
import { isForeignKeyViolation, isTriggerAbort, isUniqueViolation } from '../db/errors.js'
import type { Database } from '../db/schema.js'
import type { GoalRow } from '../db/tables/goals.table.js'
import { inUserTransaction } from '../db/transaction.js'
import { ConflictError, type FieldError, invalidFields } from '../errors.js'
import { type Clock, currentTimestamp, toUtcTimestamp } from '../timestamps.js'
import { deleteGoalSubtree, type GoalFields, insertGoal, isSelfOrAncestor, selectGoal, updateGoal } from './goals.repository.js'

export interface NewGoal {
  readonly name: string
  readonly description: string
  readonly parent_id: number | null
}

/** Fields to change, as sent: `end` is any RFC 3339 date-time until normalised here. */
export type GoalChanges = Partial<GoalFields>

const NOT_YOUR_GOAL: FieldError = { pointer: '/parent_id', detail: 'is not one of your goals' }
const CYCLE: FieldError = { pointer: '/parent_id', detail: 'would make the goal a sub-goal of itself' }

/** Turns what the database refused into the problem the client should see. */
function refusal(error: unknown): unknown {
  if (isUniqueViolation(error, 'goals', 'name')) {
    return new ConflictError('You already have a goal with this name.', [{ pointer: '/name', detail: 'is already taken' }])
  }
  if (isForeignKeyViolation(error)) return invalidFields([NOT_YOUR_GOAL])
  if (isTriggerAbort(error, 'goal cycle')) return invalidFields([CYCLE])
  return error
}

export async function createGoal(db: Database, clock: Clock, userId: number, goal: NewGoal): Promise<GoalRow> {
  try {
    return await inUserTransaction(db, userId, async (trx) => {
      if (goal.parent_id !== null && !(await selectGoal(trx, userId, goal.parent_id))) throw invalidFields([NOT_YOUR_GOAL])
      return insertGoal(trx, userId, goal, currentTimestamp(clock))
    })
  } catch (error) {
    throw refusal(error)
  }
}

/**
 * Applies `changes` to the goal; undefined when the user has no such goal. As the only
 * writer of the user's goals (a row lock on the user, db/transaction.ts): the cycle check
 * walks the new parent's ancestors, rows that a move running at once may be changing, so
 * two moves (A under B, B under A) would each find no cycle. The trigger goals_no_cycle
 * does not stop that on PostgreSQL either, since under READ COMMITTED it too sees only
 * what was committed: without the lock three such moves at once all succeeded
 * (test/db/replica-races.test.ts). Locking the goals on the path instead would have to
 * find the path first, and could deadlock; SERIALIZABLE would turn the loser into a retry.
 */
export async function changeGoal(db: Database, clock: Clock, userId: number, id: number, changes: GoalChanges): Promise<GoalRow | undefined> {
  try {
    return await inUserTransaction(db, userId, async (trx) => {
      const goal = await selectGoal(trx, userId, id)
      if (!goal) return undefined
      const errors: FieldError[] = []
      const fields: { -readonly [K in keyof GoalFields]?: GoalFields[K] } = { ...changes }

      if (changes.parent_id !== undefined && changes.parent_id !== null) {
        if (!(await selectGoal(trx, userId, changes.parent_id))) errors.push(NOT_YOUR_GOAL)
        else if (await isSelfOrAncestor(trx, userId, id, changes.parent_id)) errors.push(CYCLE)
      }
      if (changes.end !== undefined && changes.end !== null) {
        const end = toUtcTimestamp(changes.end)
        if (end === undefined) errors.push({ pointer: '/end', detail: 'must be a moment between the years 0000 and 9999 in UTC, without a leap second' })
        else if (end < goal.start) errors.push({ pointer: '/end', detail: `must not be before the goal's start (${goal.start})` })
        else fields.end = end
      }
      if (errors.length > 0) throw invalidFields(errors)
      if (Object.keys(fields).length === 0) return goal
      return updateGoal(trx, userId, id, fields, currentTimestamp(clock))
    })
  } catch (error) {
    throw refusal(error)
  }
}

/**
 * Deletes the goal and every goal below it; how many went (0: no such goal). As the only
 * writer of the user's goals (the same row lock): on PostgreSQL a create or move under the
 * subtree running at once would otherwise fail the delete's foreign key (a 500), or lose a
 * goal just moved out. The subtree is found by a walk, so no fixed set of rows to lock.
 */
export function removeGoal(db: Database, userId: number, id: number): Promise<number> {
  return inUserTransaction(db, userId, (trx) => deleteGoalSubtree(trx, userId, id))
}
