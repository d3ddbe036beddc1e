/**
 * `npm run bench`: issue 10's side-by-side benchmark in one run.
 *
 * Builds the service if dist/ is stale, seeds one SQLite file, times the start-up of
 * both servers, then starts both (the service as `npm start` runs it, and the plain
 * Express baseline), checks they answer alike, and drives each request in turn at both
 * with the same load, alternating servers round by round. Lists are measured on the
 * service alone, memory (two minutes of mixed load) on a service started for it. The `postgres` section (issue 12, postgres.ts) then seeds a fresh
 * PostgreSQL database alike, runs two replicas of the service on it, and drives the same
 * requests at the service on SQLite, one replica and both replicas. The report goes to
 * stdout and test/bench/RESULTS.md (BENCH_RESULTS); with `--record` the figures also
 * become the "before" figures in test/bench/baseline.json.
 *
 * Settings (environment): BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_CONNECTIONS,
 * BENCH_ROUNDS, BENCH_STARTUPS, BENCH_MEMORY_SECONDS, BENCH_LIST_ROWS, BENCH_ONLY, BENCH_CASES, BENCH_RESULTS, BENCH_SERVICE_LOG,
 * BENCH_NOTE (a sentence for the report); see options.ts.
 * BENCH_ONLY picks sections, comma-separated: startup, requests, lists, memory, postgres
 * (all by default). The postgres section makes (and drops) its database on the server
 * that TEST_POSTGRES_URL names, a maintenance database URL as for the tests; by default
 * postgres://$PGUSER (or $USER)@127.0.0.1:5432/postgres with trust authentication. It
 * uses BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_ROUNDS and BENCH_CONNECTIONS as the
 * requests section does (the connections split over the two ports for two replicas).
 * A quick check that it runs, without touching RESULTS.md:
 *   BENCH_ONLY=postgres BENCH_SECONDS=2 BENCH_ROUNDS=1 BENCH_RESULTS=/tmp/pg-bench.md npm run bench
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { ensureBuilt } from './build.js'
import { listCases, sideBySideCases } from './cases.js'
import { type LoadCase, type Measurement, runLoad } from './load.js'
import { measureMemory } from './memory.js'
import { type BenchOptions, readOptions } from './options.js'
import { checkParity } from './parity.js'
import { measurePostgres } from './postgres.js'
import { renderReport } from './report.js'
import { commitOf, loadAverages, machine, median, medianOf, type RunResults, readRecorded, type StartupFigures, writeRecorded } from './results.js'
import { seedDatabase } from './seed.js'
import { type RunningServer, SERVER_KINDS, type ServerKind, type SpawnOptions, startServer } from './servers.js'

const log = (line: string) => console.error(`[bench] ${line}`)
const fmt = (m: Measurement) => `${Math.round(m.rate)} req/s, p99 ${m.p99.toFixed(2)} ms${m.failures ? `, ${m.failures} failed` : ''}`

/** Start-up of each server `startups` times, alternating which goes first. */
async function measureStartup(options: BenchOptions, spawn: SpawnOptions): Promise<StartupFigures> {
  const samples: Record<ServerKind, number[]> = { baseline: [], service: [] }
  for (let i = 0; i < options.startups; i++) {
    const order = i % 2 === 0 ? SERVER_KINDS : [...SERVER_KINDS].reverse()
    for (const kind of order) {
      const server = await startServer(kind, spawn)
      samples[kind].push(server.startupMs)
      log(`start-up ${kind} #${i + 1}: ${Math.round(server.startupMs)} ms`)
      await server.stop()
    }
  }
  const figures = (kind: ServerKind) => ({ medianMs: median(samples[kind]), samplesMs: samples[kind] })
  return { baseline: figures('baseline'), service: figures('service') }
}

/** Warm-up, then `rounds` measured loads on each server, the order alternating per round. */
async function measureSideBySide(
  load: LoadCase,
  servers: Readonly<Record<ServerKind, RunningServer>>,
  options: BenchOptions,
): Promise<Record<ServerKind, Measurement>> {
  for (const kind of SERVER_KINDS) await runLoad(servers[kind], load, options.warmupSeconds, options.connections)
  const rounds: Record<ServerKind, Measurement[]> = { baseline: [], service: [] }
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? SERVER_KINDS : [...SERVER_KINDS].reverse()
    for (const kind of order) {
      const measured = await runLoad(servers[kind], load, options.seconds, options.connections)
      rounds[kind].push(measured)
      log(`${load.name}, round ${round + 1}, ${kind}: ${fmt(measured)}`)
    }
  }
  return { baseline: medianOf(rounds.baseline), service: medianOf(rounds.service) }
}

async function measureAlone(load: LoadCase, server: RunningServer, options: BenchOptions): Promise<Measurement> {
  await runLoad(server, load, options.warmupSeconds, options.connections)
  const rounds: Measurement[] = []
  for (let round = 0; round < options.rounds; round++) {
    rounds.push(await runLoad(server, load, options.seconds, options.connections))
    log(`${load.name}, round ${round + 1}: ${fmt(rounds[round] as Measurement)}`)
  }
  return medianOf(rounds)
}

function reportNote(options: BenchOptions): string {
  const recorded = options.record
    ? 'These figures were recorded as the "before" figures (test/bench/baseline.json); later runs are set against them.'
    : 'The latest run. The figures recorded in test/bench/baseline.json are set against it at the end.'
  return process.env.BENCH_NOTE ? `${recorded}\n\n${process.env.BENCH_NOTE}` : recorded
}

async function main(): Promise<void> {
  const options = readOptions()
  const loadStart = loadAverages()
  ensureBuilt(options.root, log)

  const dir = mkdtempSync(join(tmpdir(), 'achiever-bench-'))
  const spawn: SpawnOptions = { root: options.root, databaseUrl: join(dir, 'bench.sqlite'), serviceLog: options.serviceLog }
  const running: RunningServer[] = []
  try {
    const seedingStarted = performance.now()
    const seeded = await seedDatabase(spawn.databaseUrl, options.listRows)
    log(`seeded ${options.listRows.join(' and ')} tasks (one user each) and a writer in ${Math.round(performance.now() - seedingStarted)} ms`)

    const results: RunResults = {
      date: new Date().toISOString(),
      commit: commitOf(options.root),
      machine: machine(),
      loadAverage: { start: loadStart, end: [] },
      settings: { seconds: options.seconds, connections: options.connections, rounds: options.rounds, startups: options.startups },
      requests: [],
      lists: [],
    }
    if (options.sections.has('startup')) results.startup = await measureStartup(options, spawn)

    const baseline = await startServer('baseline', spawn)
    running.push(baseline)
    const service = await startServer('service', spawn)
    running.push(service)
    const servers = { baseline, service }

    if (options.sections.has('requests')) {
      const cases = sideBySideCases(seeded).filter((c) => options.cases.length === 0 || options.cases.some((name) => c.name.startsWith(name)))
      await checkParity(cases, { label: 'the service', port: service.port }, { label: 'the baseline', port: baseline.port })
      log('parity: both servers answer every side-by-side request alike')
      for (const load of cases) results.requests.push({ name: load.name, ...(await measureSideBySide(load, servers, options)) })
    }
    if (options.sections.has('lists')) {
      for (const load of listCases(seeded)) {
        results.lists.push({ name: load.name, rows: load.rows, page: load.page, first: load.first, service: await measureAlone(load, service, options) })
      }
    }
    const rss = service.rssMiB()
    if (rss !== undefined && (options.sections.has('requests') || options.sections.has('lists'))) results.serviceRssMiB = rss
    if (options.sections.has('memory')) {
      // Target 7 is a service after a minute of mixed load: one started for it, not the one
      // the sections above have loaded for minutes (whose size is reported beside it).
      const mixed = [...sideBySideCases(seeded), ...listCases(seeded).slice(0, 1)]
      const fresh = await startServer('service', spawn)
      try {
        results.memory = await measureMemory(fresh, mixed, options.memorySeconds, options.connections)
      } finally {
        await fresh.stop()
      }
    }
    // After the resident size is read, so that figure still means what it did before PostgreSQL came in.
    if (options.sections.has('postgres')) results.postgres = await measurePostgres(service, seeded, spawn, options, log)
    results.loadAverage.end = loadAverages()

    const recordedPath = join(options.root, 'test/bench/baseline.json')
    const recorded = options.record ? undefined : readRecorded(recordedPath)
    const report = renderReport(results, recorded, reportNote(options))
    writeFileSync(options.resultsPath, report)
    if (options.record) writeRecorded(recordedPath, results)
    process.stdout.write(report)
  } finally {
    await Promise.all(running.map((server) => server.stop()))
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
