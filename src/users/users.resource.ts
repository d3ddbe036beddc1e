/** Row to API representation. The password hash stays behind. */
import type { components } from '../../generated/openapi.js'
import { userUri } from '../core/uris.js'
import type { UserRow } from '../db/tables/users.table.js'

export type UserResource = components['schemas']['User']

export function toUserResource(row: UserRow, baseUrl: string): UserResource {
  return { id: row.id, uri: userUri(baseUrl, row.id), username: row.username, email: row.email, created_at: row.created_at }
}
