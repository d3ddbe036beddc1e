/**
 * `npm run bench:cursor`: cursor pages at 1,000 and 1,000,000 tasks of one user (issue 10,
 * item 6). Seeds both users with one INSERT ... SELECT from a recursive CTE each, then
 * times, one request after another through the whole service: the first cursor page at
 * 1k rows, the first at 1M, and a deep one (the cursor after row 900,000) at 1M. Targets:
 * any cursor page within 2x of the first (at 1M), and the first at 1M within 2x of the
 * first at 1k. BENCH_CURSOR_ROWS and BENCH_CURSOR_REQUESTS change the sizes.
 */
import { sql } from 'kysely'
import { encodeCursor, listFingerprint } from '../../src/core/cursor.js'
import { signUp, startTestServer, type TestServer, type TestUser } from '../support/server.js'

const BIG = Number(process.env.BENCH_CURSOR_ROWS ?? 1_000_000)
const SMALL = 1000
const REQUESTS = Number(process.env.BENCH_CURSOR_REQUESTS ?? 300)
const PER_PAGE = 20

/** `rows` tasks, one second apart, in one statement. */
async function seed(server: TestServer, user: TestUser, rows: number): Promise<void> {
  await sql`
    with recursive n(i) as (select 1 union all select i + 1 from n where i < ${rows})
    insert into tasks (user_id, title, description, done, created_at, updated_at)
    select ${user.id}, 'task ' || i, '', i % 2,
           strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || i || ' seconds'),
           strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || i || ' seconds')
    from n
  `.execute(server.db)
}

/** The median time of `REQUESTS` GETs of `path`, one at a time, after a warm-up. */
async function median(server: TestServer, user: TestUser, path: string): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < REQUESTS + 20; i++) {
    const started = performance.now()
    const res = await fetch(`${server.baseUrl}${path}`, { headers: { Authorization: `Bearer ${user.token}` } })
    await res.arrayBuffer()
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`)
    if (i >= 20) times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)] ?? Number.NaN
}

/** The cursor that starts the page after row `row` (1-based) of the default order. */
async function cursorAfter(server: TestServer, user: TestUser, row: number): Promise<string> {
  const last = await server.db
    .selectFrom('tasks')
    .select(['id', 'created_at'])
    .where('user_id', '=', user.id)
    .orderBy('created_at')
    .orderBy('id')
    .offset(row - 1)
    .limit(1)
    .executeTakeFirstOrThrow()
  return encodeCursor(listFingerprint('tasks', { done: undefined, q: undefined, sort: 'created_at' }), { key: last.created_at, id: last.id })
}

export interface CursorBench {
  readonly firstSmallMs: number
  readonly firstBigMs: number
  readonly deepBigMs: number
  readonly deepTitleBigMs: number
}

export async function benchCursorPages(): Promise<CursorBench> {
  const server = await startTestServer({ logLevel: 'warn' })
  try {
    const small = await signUp(server.api)
    const big = await signUp(server.api)
    const started = performance.now()
    await seed(server, small, SMALL)
    await seed(server, big, BIG)
    console.log(`seeded ${SMALL.toLocaleString('en')} + ${BIG.toLocaleString('en')} tasks in ${((performance.now() - started) / 1000).toFixed(1)} s`)
    const deep = `/api/v1/tasks?per_page=${PER_PAGE}&cursor=${await cursorAfter(server, big, Math.floor(BIG * 0.9))}`
    // Seeding held the event loop: let the server close the keep-alive sockets that timed
    // out meanwhile, before fetch reuses one (ECONNRESET).
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const firstSmallMs = await median(server, small, `/api/v1/tasks?per_page=${PER_PAGE}`)
    const firstBigMs = await median(server, big, `/api/v1/tasks?per_page=${PER_PAGE}`)
    const deepBigMs = await median(server, big, deep)
    // Deep in the title order: the cursor of a next link far down, found by keyset itself.
    const titleRow = await server.db
      .selectFrom('tasks')
      .select(['id', 'title'])
      .where('user_id', '=', big.id)
      .where('title', '=', `task ${Math.floor(BIG * 0.9)}`)
      .executeTakeFirstOrThrow()
    const deepTitle = `/api/v1/tasks?sort=title&per_page=${PER_PAGE}&cursor=${encodeCursor(listFingerprint('tasks', { sort: 'title' }), { key: titleRow.title, id: titleRow.id })}`
    const deepTitleBigMs = await median(server, big, deepTitle)
    return { firstSmallMs, firstBigMs, deepBigMs, deepTitleBigMs }
  } finally {
    await server.close()
  }
}

function verdict(ratio: number): string {
  return ratio <= 2 ? 'pass' : 'FAIL'
}

export function reportCursorPages(result: CursorBench): string {
  const { firstSmallMs, firstBigMs, deepBigMs, deepTitleBigMs } = result
  const ms = (value: number) => `${value.toFixed(2)} ms`
  const rows = [
    `| cursor page (per_page=${PER_PAGE}, median of ${REQUESTS}) | time | ratio | target |`,
    '| --- | --- | --- | --- |',
    `| first, ${SMALL.toLocaleString('en')} rows | ${ms(firstSmallMs)} | | |`,
    `| first, ${BIG.toLocaleString('en')} rows | ${ms(firstBigMs)} | ${(firstBigMs / firstSmallMs).toFixed(2)}x the first at 1k | <= 2x: ${verdict(firstBigMs / firstSmallMs)} |`,
    `| after row ${Math.floor(BIG * 0.9).toLocaleString('en')}, ${BIG.toLocaleString('en')} rows | ${ms(deepBigMs)} | ${(deepBigMs / firstBigMs).toFixed(2)}x the first | <= 2x: ${verdict(deepBigMs / firstBigMs)} |`,
    `| sort=title, 90% deep, ${BIG.toLocaleString('en')} rows | ${ms(deepTitleBigMs)} | ${(deepTitleBigMs / firstBigMs).toFixed(2)}x the first | <= 2x: ${verdict(deepTitleBigMs / firstBigMs)} |`,
  ]
  return rows.join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(reportCursorPages(await benchCursorPages()))
}
