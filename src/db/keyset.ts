/**
 * The keyset predicate: the rows that sort after a position, in a list ordered by a sort
 * key and then `id`, both the same direction. It is spelled `key >= k and (key > k or
 * id > i)` rather than as a row value `(key, id) > (k, i)`: SQLite turns both into an
 * index range when the key is a column, but only the first when it is an expression
 * (`lower(title)`), and with an index on (user_id, key, id) either way a page reads only
 * its own rows, at any depth.
 */
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely'

export type SortDirection = 'asc' | 'desc'

/** The row a page starts after: its sort key (text in every order the spec offers) and id. */
export interface KeysetPosition {
  readonly key: string
  readonly id: number
}

/** Which rows a list query reads: a page by offset, or the rows after a position. */
export type RowRange =
  | { readonly limit: number; readonly offset: number; readonly after?: never }
  | { readonly limit: number; readonly after: KeysetPosition | undefined; readonly offset?: never }

export function afterPosition<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  key: Expression<string>,
  keyAt: Expression<string>,
  id: Expression<number>,
  position: KeysetPosition,
  direction: SortDirection,
): Expression<SqlBool> {
  const [past, atOrPast] = direction === 'asc' ? (['>', '>='] as const) : (['<', '<='] as const)
  return eb.and([eb(key, atOrPast, keyAt), eb.or([eb(key, past, keyAt), eb(id, past, position.id)])])
}
