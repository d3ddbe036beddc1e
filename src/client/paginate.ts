/**
 * Every item of a list, page after page: `listAll` follows the `Link: rel="next"` of each
 * page (cursor pages, which cost the same at any depth) until there is none. The `next`
 * link's query is sent as it stands (its `cursor` is opaque) through the same client, so
 * its credentials and middleware apply to every page.
 *
 * ```ts
 * for await (const task of listAll(api, '/api/v1/tasks', { query: { done: false, per_page: 100 } })) {
 *   console.log(task.title)
 * }
 * ```
 */
import type { Client } from 'openapi-fetch'
import type { components, paths } from '../../generated/openapi.js'

type ListBody = { data: unknown[]; meta: components['schemas']['ListMeta'] }

/** The paths whose GET answers one page of a list (`{data, meta}`). */
export type ListPath = {
  [P in keyof paths]: paths[P] extends { get: { responses: { 200: { content: { 'application/json': ListBody } } } } } ? P : never
}[keyof paths]

type ListGet<P extends ListPath> = paths[P]['get']

/** One item of the list at `P` (a Task for `/api/v1/tasks`). */
export type ListItem<P extends ListPath> = ListGet<P>['responses'][200]['content']['application/json']['data'][number]

/** The list's filters, sort and `per_page`: where a walk starts from (not `page` nor `cursor`). */
export type ListQuery<P extends ListPath> = Omit<NonNullable<ListGet<P>['parameters']['query']>, 'page' | 'cursor'>

/** A page that could not be read: the API's problem (or whatever else answered) and the response. */
export class ListPageError extends Error {
  constructor(
    readonly error: unknown,
    readonly response: Response,
  ) {
    super(`a page of the list failed with status ${response.status}`)
    this.name = 'ListPageError'
  }
}

/** The `rel="next"` target of an RFC 8288 `Link` header, if it has one. */
export function nextLink(header: string | null): string | undefined {
  for (const match of (header ?? '').matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel="?([^";,]+)"?/i.exec(match[2] ?? '')?.[1]
    if (rel?.toLowerCase().split(/\s+/).includes('next')) return match[1]
  }
  return undefined
}

// openapi-fetch's GET is typed per path; across the union of list paths it is called through this.
type UntypedGet = (path: string, init: { params: { query: Record<string, unknown> } }) => Promise<{ data?: unknown; error?: unknown; response: Response }>

/**
 * Yields every item of the list at `path` that matches `query`, in the list's order,
 * reading one page at a time as you iterate; throws a {@link ListPageError} if a page fails.
 */
export async function* listAll<P extends ListPath>(
  client: Client<paths>,
  path: P,
  options: { readonly query?: ListQuery<P> } = {},
): AsyncGenerator<ListItem<P>, void, undefined> {
  const get = client.GET as unknown as UntypedGet
  let query: Record<string, unknown> | undefined = { ...(options.query ?? {}) }
  while (query !== undefined) {
    const { data, error, response } = await get(path, { params: { query } })
    if (error !== undefined || data === undefined) throw new ListPageError(error, response)
    yield* (data as { data: Array<ListItem<P>> }).data
    const next = nextLink(response.headers.get('Link'))
    query = next === undefined ? undefined : Object.fromEntries(new URL(next, response.url || 'http://localhost').searchParams)
  }
}
