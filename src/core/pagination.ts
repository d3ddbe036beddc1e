/**
 * Page arithmetic, `meta` and the RFC 8288 `Link` header, shared by every list: pages
 * by number (`page`: OFFSET and a COUNT, as clients asking for a number expect) and
 * cursor pages (keyset: the rows after the last one served, no COUNT unless asked), so
 * that walking a list costs the same at any depth.
 */
import type { components } from '../../generated/openapi.js'
import type { RowRange } from '../db/keyset.js'
import { invalidParameters } from '../errors.js'
import { decodeCursor, encodeCursor, type ListFilters, listFingerprint } from './cursor.js'

export type PageMeta = components['schemas']['PageMeta']
export type CursorPageMeta = components['schemas']['CursorPageMeta']
export type ListMeta = components['schemas']['ListMeta']

export interface PageRequest {
  readonly page: number
  readonly perPage: number
}

/** A page by number; `per_page` has its default from the spec, `page` none (its absence means a cursor page). */
export function pageRequest(query: { page?: number; per_page?: number }): PageRequest {
  return { page: query.page ?? 1, perPage: query.per_page ?? 20 }
}

export function offsetOf({ page, perPage }: PageRequest): number {
  return (page - 1) * perPage
}

export function pageMeta({ page, perPage }: PageRequest, total: number): PageMeta {
  return { page, per_page: perPage, total, pages: Math.ceil(total / perPage) }
}

/** `<url?filters&extra>; rel="rel"`: one link of a list, keeping its filters. */
function listLink(url: string, filters: ListFilters, extra: Readonly<Record<string, string | undefined>>, rel: string): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries({ ...filters, ...extra })) {
    if (value !== undefined) params.set(name, String(value))
  }
  return `<${url}?${params.toString()}>; rel="${rel}"`
}

/**
 * `first`, `prev`, `next` and `last` links that keep the list's filters. `prev` and `next`
 * appear only where those pages exist; `last` is page 1 for an empty list.
 */
export function pageLinks(url: string, filters: ListFilters, meta: PageMeta): string {
  const last = Math.max(1, meta.pages)
  const link = (page: number, rel: string) => listLink(url, filters, { page: String(page), per_page: String(meta.per_page) }, rel)
  const links = [link(1, 'first')]
  if (meta.page > 1) links.push(link(Math.min(meta.page - 1, last), 'prev'))
  if (meta.page < last) links.push(link(meta.page + 1, 'next'))
  links.push(link(last, 'last'))
  return links.join(', ')
}

/** The query parameters every list takes. */
export interface ListQuery {
  readonly page?: number
  readonly per_page?: number
  readonly cursor?: string
  readonly include_total?: boolean
}

/** How one list reads its rows, whichever way it is walked. */
export interface ListSource<Row extends { readonly id: number }> {
  /** The list's name in a cursor's fingerprint (`tasks`, `incomes`, ...). */
  readonly list: string
  /** The list's absolute URL, without a query. */
  readonly url: string
  /** The filters and sort as given, for the links and the cursor's fingerprint. */
  readonly filters: ListFilters
  /** The row's value of the sort key, as the keyset query compares it. */
  readonly sortKey: (row: Row) => string
  /** The rows in `range` (an offset, or the rows after a position), in the list's order. */
  readonly rows: (range: RowRange) => Promise<Row[]>
  readonly count: () => Promise<number>
}

export interface ListPage<Row> {
  readonly rows: Row[]
  readonly meta: ListMeta
  readonly link: string
}

/** A list's page: by number when `page` is sent, by cursor otherwise. */
export async function listPage<Row extends { readonly id: number }>(query: ListQuery, source: ListSource<Row>): Promise<ListPage<Row>> {
  const perPage = query.per_page ?? 20
  if (query.page === undefined) return cursorPage(query, perPage, source)
  if (query.cursor !== undefined) {
    throw invalidParameters([{ parameter: 'cursor', detail: 'cannot be sent with page: walk the list by cursor or by page number' }])
  }
  const request = { page: query.page, perPage }
  const [rows, total] = await Promise.all([source.rows({ limit: perPage, offset: offsetOf(request) }), source.count()])
  const meta = pageMeta(request, total)
  return { rows, meta, link: pageLinks(source.url, source.filters, meta) }
}

/** One row more than the page holds is read, to know whether there is a next page. */
async function cursorPage<Row extends { readonly id: number }>(query: ListQuery, perPage: number, source: ListSource<Row>): Promise<ListPage<Row>> {
  const fingerprint = listFingerprint(source.list, source.filters)
  const position = query.cursor === undefined ? undefined : decodeCursor(query.cursor, fingerprint)
  const includeTotal = query.include_total === true
  const [fetched, total] = await Promise.all([source.rows({ limit: perPage + 1, after: position }), includeTotal ? source.count() : undefined])
  const rows = fetched.slice(0, perPage)
  const last = rows.at(-1)
  const next = fetched.length > perPage && last ? encodeCursor(fingerprint, { key: source.sortKey(last), id: last.id }) : undefined
  const meta: CursorPageMeta = total === undefined ? { per_page: perPage } : { per_page: perPage, total, pages: Math.ceil(total / perPage) }
  return { rows, meta, link: cursorLinks(source.url, source.filters, { perPage, includeTotal, next }) }
}

/** `first` (no cursor) and, when there is one, `next` (with its cursor), keeping the filters. */
export function cursorLinks(
  url: string,
  filters: ListFilters,
  page: { readonly perPage: number; readonly includeTotal: boolean; readonly next: string | undefined },
): string {
  const link = (cursor: string | undefined, rel: string) =>
    listLink(url, filters, { per_page: String(page.perPage), include_total: page.includeTotal ? 'true' : undefined, cursor }, rel)
  return page.next === undefined ? link(undefined, 'first') : `${link(undefined, 'first')}, ${link(page.next, 'next')}`
}
