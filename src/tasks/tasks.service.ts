/**
 * Task rules: a new task belongs to an account that may be deleted meanwhile (then 401,
 * db/account-gone.ts); a change sets the fields given and `updated_at`, and a change of no
 * field changes nothing, not even `updated_at`. A task depends on nothing read first, so
 * no rule here needs a transaction or the user's lock.
 */

import { whileAccountExists } from '../db/account-gone.js'
import type { Database } from '../db/schema.js'
import type { TaskRow } from '../db/tables/tasks.table.js'
import { type Clock, currentTimestamp } from '../timestamps.js'
import { deleteTask, insertTask, selectTask, type TaskFields, updateTask } from './tasks.repository.js'

export function createTask(db: Database, clock: Clock, userId: number, task: TaskFields): Promise<TaskRow> {
  // The account's deletion racing the insert is ordered by the foreign key (db/account-gone.ts).
  return whileAccountExists(() => insertTask(db, userId, task, currentTimestamp(clock)))
}

/**
 * Sets the fields given (a PUT gives all of them, a PATCH those it sends); undefined
 * when the user has no such task.
 */
export function changeTask(db: Database, clock: Clock, userId: number, id: number, changes: Partial<TaskFields>): Promise<TaskRow | undefined> {
  const { title, description, done } = changes
  if (title === undefined && description === undefined && done === undefined) return selectTask(db, userId, id)
  return updateTask(db, userId, id, changes, currentTimestamp(clock))
}

/** Whether the user had the task. */
export function removeTask(db: Database, userId: number, id: number): Promise<boolean> {
  return deleteTask(db, userId, id)
}
