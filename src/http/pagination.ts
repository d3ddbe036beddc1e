/**
 * Page arithmetic, `meta` and the RFC 8288 `Link` header, shared by every list.
 */
import type { components } from '../../generated/openapi.js'

export type PageMeta = components['schemas']['PageMeta']

export interface PageRequest {
  readonly page: number
  readonly perPage: number
}

/** The spec gives `page` and `per_page` defaults; openapi-backend has applied them. */
export function pageRequest(query: { page?: number; per_page?: number }): PageRequest {
  return { page: query.page ?? 1, perPage: query.per_page ?? 20 }
}

export function offsetOf({ page, perPage }: PageRequest): number {
  return (page - 1) * perPage
}

export function pageMeta({ page, perPage }: PageRequest, total: number): PageMeta {
  return { page, per_page: perPage, total, pages: Math.ceil(total / perPage) }
}

/**
 * `first`, `prev`, `next` and `last` links that keep the list's filters. `prev` and `next`
 * appear only where those pages exist; `last` is page 1 for an empty list.
 */
export function pageLinks(
  url: string,
  filters: Readonly<Record<string, string | number | boolean | null | undefined>>,
  meta: PageMeta,
): string {
  const last = Math.max(1, meta.pages)
  const link = (page: number, rel: string) => {
    const params = new URLSearchParams()
    for (const [name, value] of Object.entries(filters)) {
      if (value !== undefined) params.set(name, String(value))
    }
    params.set('page', String(page))
    params.set('per_page', String(meta.per_page))
    return `<${url}?${params.toString()}>; rel="${rel}"`
  }
  const links = [link(1, 'first')]
  if (meta.page > 1) links.push(link(Math.min(meta.page - 1, last), 'prev'))
  if (meta.page < last) links.push(link(meta.page + 1, 'next'))
  links.push(link(last, 'last'))
  return links.join(', ')
}
