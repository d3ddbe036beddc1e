import type { Generated, Selectable } from 'kysely'

/** The `goals` table. A goal's parent is always one of the same user's goals. */
export interface GoalsTable {
  id: Generated<number>
  user_id: number
  parent_id: number | null
  name: string
  description: string
  start: string
  /** Null while the goal is open. */
  end: string | null
  created_at: string
  updated_at: string
}

export type GoalRow = Selectable<GoalsTable>
