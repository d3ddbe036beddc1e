/** Row to API representation: the only place a goal's public shape is decided. */
import type { components } from '../../generated/openapi.js'
import { goalUri } from '../core/uris.js'
import type { GoalRow } from '../db/tables/goals.table.js'

export type GoalResource = components['schemas']['Goal']
export type GoalTreeNode = components['schemas']['GoalTreeNode']

export function toGoalResource(row: GoalRow, baseUrl: string): GoalResource {
  return {
    id: row.id,
    uri: goalUri(baseUrl, row.id),
    name: row.name,
    description: row.description,
    parent_id: row.parent_id,
    start: row.start,
    end: row.end,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }
}

/**
 * Assembles the forest from every goal of one user, in sibling order. One pass, no
 * recursion: a chain thousands deep costs the same as a flat list.
 */
export function toGoalForest(rows: readonly GoalRow[], baseUrl: string): GoalTreeNode[] {
  const nodes = new Map<number, GoalTreeNode>()
  for (const row of rows) nodes.set(row.id, { ...toGoalResource(row, baseUrl), sub_goals: [] })
  const roots: GoalTreeNode[] = []
  for (const row of rows) {
    const node = nodes.get(row.id) as GoalTreeNode
    const parent = row.parent_id === null ? undefined : nodes.get(row.parent_id)
    // The foreign key keeps every parent among the same user's goals.
    ;(parent ? parent.sub_goals : roots).push(node)
  }
  return roots
}
