/**
 * The keyset predicate: the rows that sort after a position, in a list ordered by a sort
 * key and then `id`, both the same direction. It is spelled `key >= k and (key > k or
 * id > i)` rather than as a row value `(key, id) > (k, i)`: SQLite turns both into an
 * index range when the key is a column, but only the first when it is an expression
 * (`lower(title)`), and with an index on (user_id, key, id) either way a page reads only
 * its own rows, at any depth.
 */
import { type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool, sql } from 'kysely'

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

/**
 * `query`'s rows in `range`, oldest first: ordered by (`created_at`, `id`), the order of
 * every list but the tasks' (which offer other sorts). The table must have both columns
 * and an index on (user_id, [filter,] created_at, id) for a page to read only its rows.
 */
export function inCreatedOrder<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>, range: RowRange): SelectQueryBuilder<DB, TB, O> {
  const createdAt = sql.ref<string>('created_at')
  const id = sql.ref<number>('id')
  const { after } = range
  const from = after ? query.where((eb) => afterPosition(eb, createdAt, eb.val(after.key), id, after, 'asc')) : query
  const page = from.orderBy(createdAt).orderBy(id).limit(range.limit)
  return range.offset ? page.offset(range.offset) : page
}

/** How many rows `query` (a filtered list, before its select) holds. */
export async function countRows<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): Promise<number> {
  // $castTo: the row is `{ total }` whatever the table; TypeScript cannot see that through the generic.
  const { total } = await query
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .$castTo<{ total: number | bigint }>()
    .executeTakeFirstOrThrow()
  return Number(total)
}
