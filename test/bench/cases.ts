/**
 * What is measured: the requests of issue 10's first target, side by side on both
 * servers, and the list pages of its sixth, on the service alone. Built from the seeded
 * users, so every request finds its rows and every answer is a success.
 */
import type { LoadCase } from './load.js'
import type { Seeded, SeededUser } from './seed.js'

export interface SideBySideCase extends LoadCase {
  /**
   * Blanks out what legitimately differs between the two servers' answers to the same
   * request (a new id, the clock), so the rest can be compared byte for byte.
   */
  readonly mask: (body: string) => string
}

const same = (body: string) => body
const newResource = (body: string) =>
  body
    .replace(/"id":\d+/, '"id":0')
    .replace(/\/tasks\/\d+"/, '/tasks/0"')
    .replace(/"(created_at|updated_at)":"[^"]*"/g, '"$1":""')
const touched = (body: string) => body.replace(/"updated_at":"[^"]*"/, '"updated_at":""')

const JSON_TYPE = 'application/json'
const MERGE_PATCH = 'application/merge-patch+json'
const FORM = 'application/x-www-form-urlencoded'

function bearer(user: SeededUser): Record<string, string> {
  return { authorization: `Bearer ${user.token}` }
}

/** The user with the most tasks: reads happen where the table is largest, as in the issue. */
function largest(seeded: Seeded): SeededUser {
  const sizes = [...seeded.lists.keys()]
  const user = seeded.lists.get(Math.max(...sizes))
  if (!user) throw new Error('no list user was seeded')
  return user
}

export function sideBySideCases(seeded: Seeded): SideBySideCase[] {
  const reader = largest(seeded)
  const readId = reader.taskIds[Math.floor(reader.taskIds.length / 2)]
  const writer = seeded.writer
  // Updates spread over the writer's thousand tasks rather than queueing on one row.
  const patchPaths = writer.taskIds.map((id) => `/api/v1/tasks/${id}`)
  return [
    {
      name: 'GET /api/v1/tasks/{id}',
      method: 'GET',
      paths: [`/api/v1/tasks/${readId}`],
      headers: bearer(reader),
      status: 200,
      mask: same,
    },
    {
      name: 'POST /api/v1/tasks (JSON)',
      method: 'POST',
      paths: ['/api/v1/tasks'],
      headers: { ...bearer(writer), 'content-type': JSON_TYPE },
      body: JSON.stringify({ title: 'Written by the benchmark', description: 'One of many.', done: false }),
      status: 201,
      mask: newResource,
    },
    {
      name: 'POST /api/v1/tasks (form)',
      method: 'POST',
      paths: ['/api/v1/tasks'],
      headers: { ...bearer(writer), 'content-type': FORM },
      body: 'title=Written+by+the+benchmark&description=One+of+many.&done=false',
      status: 201,
      mask: newResource,
    },
    {
      name: 'PATCH /api/v1/tasks/{id} (merge-patch JSON)',
      method: 'PATCH',
      paths: patchPaths,
      headers: { ...bearer(writer), 'content-type': MERGE_PATCH },
      body: JSON.stringify({ title: 'Renamed by the benchmark', done: true }),
      status: 200,
      mask: touched,
    },
    {
      name: 'PATCH /api/v1/tasks/{id} (form)',
      method: 'PATCH',
      paths: patchPaths,
      headers: { ...bearer(writer), 'content-type': FORM },
      body: 'title=Renamed+again+by+the+benchmark&done=false',
      status: 200,
      mask: touched,
    },
  ]
}

export interface ListCase extends LoadCase {
  /** The number of tasks the list's owner has. */
  readonly rows: number
  /** What the page is, for the table: `page 1, 20 per page`, ... */
  readonly page: string
  /** The first page at the default-like size, which the other pages of this list are set against. */
  readonly first: boolean
}

const PER_PAGE = 20

/**
 * Per list size: the first page, the last page (the deepest OFFSET, as the page
 * 4,999 of 100,000 rows), and a first page of 100 rows (the per-row cost).
 */
export function listCases(seeded: Seeded): ListCase[] {
  return [...seeded.lists].flatMap(([rows, user]) => {
    const last = Math.ceil(rows / PER_PAGE)
    const list = (page: string, query: string, first = false): ListCase => ({
      name: `GET /api/v1/tasks?${query}`,
      method: 'GET',
      paths: [`/api/v1/tasks?${query}`],
      headers: bearer(user),
      status: 200,
      rows,
      page,
      first,
    })
    return [
      list(`page 1, ${PER_PAGE} per page`, `page=1&per_page=${PER_PAGE}`, true),
      list(`page ${last.toLocaleString('en')} (the last), ${PER_PAGE} per page`, `page=${last}&per_page=${PER_PAGE}`),
      list('page 1, 100 per page', 'page=1&per_page=100'),
    ]
  })
}
