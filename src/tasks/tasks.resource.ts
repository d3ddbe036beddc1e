/** Row to API representation: the only place a task's public shape is decided. */
import type { components } from '../../generated/openapi.js'
import { taskUri } from '../core/uris.js'
import type { TaskRow } from '../db/tables/tasks.table.js'

export type TaskResource = components['schemas']['Task']

export function toTaskResource(row: TaskRow, baseUrl: string): TaskResource {
  return {
    id: row.id,
    uri: taskUri(baseUrl, row.id),
    title: row.title,
    description: row.description,
    done: row.done === 1,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }
}
