import { describe, expect, it } from 'vitest'
import { cursorLinks, offsetOf, pageLinks, pageMeta, pageRequest } from '../../src/core/pagination.js'

describe('pageMeta', () => {
  it('counts pages, rounding up, and 0 pages for an empty list', () => {
    expect(pageMeta({ page: 1, perPage: 2 }, 5)).toEqual({ page: 1, per_page: 2, total: 5, pages: 3 })
    expect(pageMeta({ page: 1, perPage: 20 }, 0)).toEqual({ page: 1, per_page: 20, total: 0, pages: 0 })
    expect(pageMeta({ page: 2, perPage: 10 }, 20).pages).toBe(2)
  })
})

describe('pageRequest and offsetOf', () => {
  it('defaults to page 1 of 20 and skips the pages before', () => {
    expect(pageRequest({})).toEqual({ page: 1, perPage: 20 })
    expect(offsetOf({ page: 3, perPage: 7 })).toBe(14)
  })
})

describe('pageLinks', () => {
  const url = 'http://h/api/v1/tasks'
  const rels = (header: string) => [...header.matchAll(/rel="(\w+)"/g)].map((m) => m[1])

  it('has first, next and last on page 1', () => {
    expect(rels(pageLinks(url, {}, pageMeta({ page: 1, perPage: 2 }, 5)))).toEqual(['first', 'next', 'last'])
  })

  it('has all four in the middle, and no next on the last page', () => {
    expect(rels(pageLinks(url, {}, pageMeta({ page: 2, perPage: 2 }, 5)))).toEqual(['first', 'prev', 'next', 'last'])
    expect(rels(pageLinks(url, {}, pageMeta({ page: 3, perPage: 2 }, 5)))).toEqual(['first', 'prev', 'last'])
  })

  it('points prev at the last page from past the end, and last at page 1 when empty', () => {
    const past = pageLinks(url, {}, pageMeta({ page: 9, perPage: 2 }, 5))
    expect(past).toContain('<http://h/api/v1/tasks?page=3&per_page=2>; rel="prev"')
    expect(pageLinks(url, {}, pageMeta({ page: 1, perPage: 2 }, 0))).toBe(
      '<http://h/api/v1/tasks?page=1&per_page=2>; rel="first", <http://h/api/v1/tasks?page=1&per_page=2>; rel="last"',
    )
  })

  it('keeps the filters, encoded, and drops the ones not given', () => {
    const header = pageLinks(url, { done: false, q: 'a&b c', sort: undefined }, pageMeta({ page: 1, perPage: 2 }, 5))
    expect(header).toContain('<http://h/api/v1/tasks?done=false&q=a%26b+c&page=2&per_page=2>; rel="next"')
    expect(header).not.toContain('sort')
  })
})

describe('cursorLinks', () => {
  const url = 'http://h/api/v1/tasks'

  it('links the first page only, when there is no next', () => {
    expect(cursorLinks(url, { sort: 'title', q: undefined }, { perPage: 5, includeTotal: false, next: undefined })).toBe(
      '<http://h/api/v1/tasks?sort=title&per_page=5>; rel="first"',
    )
  })

  it('links the next page with its cursor, keeping the filters and include_total', () => {
    expect(cursorLinks(url, { done: false }, { perPage: 5, includeTotal: true, next: 'abc_-' })).toBe(
      '<http://h/api/v1/tasks?done=false&per_page=5&include_total=true>; rel="first", ' +
        '<http://h/api/v1/tasks?done=false&per_page=5&include_total=true&cursor=abc_->; rel="next"',
    )
  })
})
