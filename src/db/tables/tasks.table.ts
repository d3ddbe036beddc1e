import type { Generated, Selectable } from 'kysely'

/** The `tasks` table. `done` is 0 or 1: SQLite has no boolean type. */
export interface TasksTable {
  id: Generated<number>
  user_id: number
  title: string
  description: string
  done: number
  created_at: string
  updated_at: string
}

export type TaskRow = Selectable<TasksTable>
