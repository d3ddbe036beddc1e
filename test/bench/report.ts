/**
 * The run's figures as Markdown: printed at the end of `npm run bench` and written to
 * test/bench/RESULTS.md, with issue 10's targets marked pass or fail and, when
 * baseline.json holds recorded figures, the change since then.
 */
import { integer, ms, ratio, table, verdict } from './format.js'
import type { Measurement } from './load.js'
import { memoryTable } from './memory.js'
import { postgresSection } from './postgres-report.js'
import type { ListFigures, RequestFigures, RunResults } from './results.js'

/** Issue 10, target 1: the service's rate at least 0.8x plain Express's, its p99 at most 1.5x. */
const RATE_TARGET = 0.8
const P99_TARGET = 1.5
/** Issue 10, target 5: the first answer within a second of starting. */
const STARTUP_TARGET_MS = 1000

function failures(m: Measurement): string {
  return m.failures > 0 ? ` (${m.failures.toLocaleString('en')} failed)` : ''
}

function cpuPerRequest(m: Measurement): string {
  return m.cpuUsPerRequest === undefined ? 'n/a' : `${Math.round(m.cpuUsPerRequest)} µs`
}

function requestsTable(requests: readonly RequestFigures[]): string {
  return table(
    [
      'operation',
      'baseline req/s',
      'service req/s',
      `ratio (>= ${RATE_TARGET})`,
      'baseline p99',
      'service p99',
      `p99 ratio (<= ${P99_TARGET})`,
      'CPU per request: baseline, service (baseline / service)',
    ],
    requests.map(({ name, baseline, service }) => {
      const rate = service.rate / baseline.rate
      const p99 = service.p99 / baseline.p99
      const cpu =
        baseline.cpuUsPerRequest !== undefined && service.cpuUsPerRequest !== undefined
          ? `${cpuPerRequest(baseline)}, ${cpuPerRequest(service)} (${ratio(baseline.cpuUsPerRequest / service.cpuUsPerRequest)})`
          : 'n/a'
      return [
        name,
        integer(baseline.rate) + failures(baseline),
        integer(service.rate) + failures(service),
        `${ratio(rate)} ${verdict(rate >= RATE_TARGET)}`,
        ms(baseline.p99),
        ms(service.p99),
        `${ratio(p99)} ${verdict(p99 <= P99_TARGET)}`,
        cpu,
      ]
    }),
  )
}

function sinceRecorded(results: RunResults, recorded: RunResults): string {
  const before = new Map(recorded.requests.map((r) => [r.name, r]))
  // The same request names recur for each list size.
  const listKey = (r: ListFigures) => `${r.rows} ${r.name}`
  const beforeLists = new Map(recorded.lists.map((r) => [listKey(r), r.service]))
  const row = (name: string, then: Measurement, now: Measurement, baselineChange: string) => [
    name,
    integer(then.rate),
    integer(now.rate),
    ratio(now.rate / then.rate),
    ms(then.p99),
    ms(now.p99),
    ratio(now.p99 / then.p99),
    baselineChange,
  ]
  const rows = [
    ...results.requests.flatMap((r) => {
      const then = before.get(r.name)
      return then ? [row(r.name, then.service, r.service, ratio(r.baseline.rate / then.baseline.rate))] : []
    }),
    ...results.lists.flatMap((r) => {
      const then = beforeLists.get(listKey(r))
      return then ? [row(`${r.name} (${r.rows.toLocaleString('en')} rows)`, then, r.service, '')] : []
    }),
  ]
  const startup =
    recorded.startup && results.startup
      ? `\n\nStart-up of the service: ${integer(recorded.startup.service.medianMs)} ms then, ${integer(results.startup.service.medianMs)} ms now.`
      : ''
  return [
    `## The service now against the recorded figures (baseline.json: ${recorded.date}, commit ${recorded.commit})`,
    '',
    "Comparable only on the same machine under similar load: the last column, the plain-Express baseline's rate now " +
      'against its recorded rate, shows how far the machine itself has moved.',
    '',
    table(['operation', 'req/s then', 'req/s now', 'change', 'p99 then', 'p99 now', 'change', 'baseline req/s change'], rows) + startup,
  ].join('\n')
}

function listsTable(lists: readonly ListFigures[]): string {
  const firstPage = new Map(lists.filter((l) => l.first).map((l) => [l.rows, l.service.rate]))
  return table(
    ['rows of the user', 'page', 'request', 'req/s', 'p50', 'p99', 'rate vs the first page'],
    lists.map((l) => [
      l.rows.toLocaleString('en'),
      l.page,
      `\`${l.name}\``,
      integer(l.service.rate) + failures(l.service),
      ms(l.service.p50),
      ms(l.service.p99),
      ratio(l.service.rate / (firstPage.get(l.rows) ?? Number.NaN)),
    ]),
  )
}

export function renderReport(results: RunResults, recorded: RunResults | undefined, note: string): string {
  const { machine: m, settings: s } = results
  const parts = [
    '# Benchmark results (issue 10)',
    '',
    note,
    '',
    `- Run: ${results.date}, commit ${results.commit}; \`npm run bench\` with ${s.connections} connections, ` +
      `${s.seconds} s per measurement, median of ${s.rounds} rounds (servers alternating), start-up median of ${s.startups}.`,
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}.`,
    `- Load average (1, 5, 15 min) at the start: ${results.loadAverage.start.join(', ')}; at the end: ${results.loadAverage.end.join(', ')}. ` +
      'The load generator (autocannon) runs on the same cores as the servers.',
    '- baseline: `test/bench/baseline-express.mjs`, plain Express 5 + better-sqlite3 doing the same work without validation or logging; ' +
      'service: `node dist/server.js` with its default configuration (log level info, stdout to /dev/null). ' +
      'Both read the same SQLite file; their answers were checked byte for byte before timing.',
  ]
  if (results.requests.length > 0) {
    parts.push(
      '',
      '## Requests: the service against plain Express (target 1)',
      '',
      requestsTable(results.requests),
      '',
      "The last column is each server's own CPU time per answer (from /proc, over the measured seconds): what a " +
        'request costs it. Other work on the machine moves it far less than the rates, so on a busy machine it is ' +
        'the steadier comparison; the target is still judged on the rates.',
    )
  }
  if (results.startup) {
    const { baseline, service } = results.startup
    const samples = (xs: readonly number[]) => xs.map((x) => integer(x)).join(', ')
    parts.push(
      '',
      '## Start-up to the first answered request (target 5)',
      '',
      'Spawn of `node <entry>` to the first 200 from `GET /healthz`, on the already migrated database.',
      '',
      table(
        ['server', 'median', 'runs (ms)', `target (< ${STARTUP_TARGET_MS} ms)`],
        [
          ['baseline', `${integer(baseline.medianMs)} ms`, samples(baseline.samplesMs), ''],
          ['service', `${integer(service.medianMs)} ms`, samples(service.samplesMs), verdict(service.medianMs < STARTUP_TARGET_MS)],
        ],
      ),
    )
  }
  if (results.lists.length > 0) {
    parts.push(
      '',
      '## Lists on the service (target 6)',
      '',
      'Pages by number (`page=`: COUNT(*) and OFFSET on every page), which clients that ask for a page number still get. ' +
        'The target applies to cursor pages, what a plain list request and its `Link: rel="next"` walk: `npm run bench:cursor` ' +
        'measures them at 1,000 and 1,000,000 rows (test/bench/RESULTS-cursor.md).',
      '',
      listsTable(results.lists),
    )
  }
  if (results.memory) parts.push('', '## Memory under a mixed load (target 7)', '', memoryTable(results.memory))
  if (results.serviceRssMiB !== undefined) {
    parts.push(
      '',
      `The service that served the request and list sections above (not the one of target 7), read at their end: ${results.serviceRssMiB.toFixed(0)} MiB resident.`,
    )
  }
  if (results.postgres) parts.push('', postgresSection(results.postgres, results.machine))
  if (recorded) parts.push('', sinceRecorded(results, recorded))
  return `${parts.join('\n')}\n`
}
