/**
 * The `postgres` section of `npm run bench` (issue 12): the service on PostgreSQL set
 * against the same service on SQLite, and one replica against two on one PostgreSQL
 * database.
 *
 * A fresh database is made on the local PostgreSQL server (as the tests make theirs,
 * test/support/database.ts, but with PostgreSQL's default durable commits, as in
 * production), seeded exactly as the SQLite file (the same rows, ids and token secrets,
 * so one set of requests serves both, and both answer each alike before anything is
 * timed), and dropped at the end. Two replicas (`node dist/server.js`, default pool) run
 * on it. Each request case is then driven, with the same load, at three setups in turn,
 * the order rotating round by round: the service on SQLite (the run's own), one replica
 * on PostgreSQL, and both replicas, the load generator's connections split evenly
 * between their two ports (two autocannon instances in this one process, so the load
 * generator is the same process doing the same work as for one server; no proxy).
 */
import { performance } from 'node:perf_hooks'
import { createPostgresDatabase } from '../support/database.js'
import { sideBySideCases } from './cases.js'
import { type LoadCase, type LoadTarget, type Measurement, runSpreadLoad } from './load.js'
import type { BenchOptions } from './options.js'
import { checkParity } from './parity.js'
import { type BackendProbe, backendCpuBetween, openBackendProbe } from './postgres-backends.js'
import { median, medianOf } from './results.js'
import { type Seeded, seedDatabase } from './seed.js'
import { type RunningServer, type SpawnOptions, startServer } from './servers.js'

/** A measurement of one setup, with where the CPU time went. */
export interface SetupMeasurement extends Measurement {
  /** PostgreSQL's backends' CPU per answer, µs (on SQLite the database works inside the service: none). */
  readonly databaseCpuUsPerRequest?: number
  /** The load generator's (this process's) CPU per answer, µs. */
  readonly generatorCpuUsPerRequest: number
  /** CPU time of the service process(es), the database backends and the load generator over the wall time: the cores in use. */
  readonly coresBusy: number
}

export type Setup = 'sqlite' | 'postgres' | 'replicas'
const SETUPS: readonly Setup[] = ['sqlite', 'postgres', 'replicas']

export interface PostgresCaseFigures {
  readonly name: string
  /** Whether the case only reads: the target (at least half SQLite's rate) is about reads. */
  readonly read: boolean
  readonly sqlite: SetupMeasurement
  /** One replica on PostgreSQL. */
  readonly postgres: SetupMeasurement
  /** Two replicas on the same PostgreSQL database, the load split evenly. */
  readonly replicas: SetupMeasurement
}

export interface PostgresFigures {
  /** The server's version, `PostgreSQL 15.14` say. */
  readonly server: string
  readonly requests: PostgresCaseFigures[]
}

type Log = (line: string) => void

const fmt = (m: SetupMeasurement) =>
  `${Math.round(m.rate)} req/s, p99 ${m.p99.toFixed(2)} ms, ${m.coresBusy.toFixed(2)} cores busy${m.failures ? `, ${m.failures} failed` : ''}`

/** One timed load at one setup, with the CPU time of the servers, the database and the load generator. */
async function measureSetup(servers: readonly LoadTarget[], load: LoadCase, options: BenchOptions, probe: BackendProbe | undefined): Promise<SetupMeasurement> {
  const backendsBefore = await probe?.snapshot()
  const generatorBefore = process.cpuUsage()
  const started = performance.now()
  const { measurement, answers, serverCpuMs } = await runSpreadLoad(servers, load, options.seconds, options.connections)
  const wallMs = performance.now() - started
  const generator = process.cpuUsage(generatorBefore)
  const generatorMs = (generator.user + generator.system) / 1000
  const databaseMs = probe && backendsBefore ? backendCpuBetween(backendsBefore, await probe.snapshot()) : undefined
  const perAnswer = (ms: number) => (answers > 0 ? (ms * 1000) / answers : Number.NaN)
  return {
    ...measurement,
    ...(databaseMs === undefined ? {} : { databaseCpuUsPerRequest: perAnswer(databaseMs) }),
    generatorCpuUsPerRequest: perAnswer(generatorMs),
    coresBusy: ((serverCpuMs ?? Number.NaN) + (databaseMs ?? 0) + generatorMs) / wallMs,
  }
}

function medianSetup(rounds: readonly SetupMeasurement[]): SetupMeasurement {
  const database = rounds.map((r) => r.databaseCpuUsPerRequest)
  return {
    ...medianOf(rounds),
    ...(database.every((us) => us !== undefined) ? { databaseCpuUsPerRequest: median(database as number[]) } : {}),
    generatorCpuUsPerRequest: median(rounds.map((r) => r.generatorCpuUsPerRequest)),
    coresBusy: median(rounds.map((r) => r.coresBusy)),
  }
}

interface Setups {
  readonly servers: Readonly<Record<Setup, readonly LoadTarget[]>>
  readonly probe: BackendProbe
}

/** Warm-up at each setup, then `rounds` measured loads at each, the order rotating per round. */
async function measureCase(load: LoadCase, setups: Setups, options: BenchOptions, log: Log): Promise<Record<Setup, SetupMeasurement>> {
  const probeOf = (setup: Setup) => (setup === 'sqlite' ? undefined : setups.probe)
  for (const setup of SETUPS) await runSpreadLoad(setups.servers[setup], load, options.warmupSeconds, options.connections)
  const rounds: Record<Setup, SetupMeasurement[]> = { sqlite: [], postgres: [], replicas: [] }
  for (let round = 0; round < options.rounds; round++) {
    const order = SETUPS.map((_, i) => SETUPS[(i + round) % SETUPS.length] as Setup)
    for (const setup of order) {
      const measured = await measureSetup(setups.servers[setup], load, options, probeOf(setup))
      rounds[setup].push(measured)
      log(`${load.name}, round ${round + 1}, ${setup}: ${fmt(measured)}`)
    }
  }
  return { sqlite: medianSetup(rounds.sqlite), postgres: medianSetup(rounds.postgres), replicas: medianSetup(rounds.replicas) }
}

/** The seeding must have given PostgreSQL the same ids as SQLite, or the requests would not find their rows. */
function sameIds(sqlite: Seeded, postgres: Seeded): void {
  const users = [...[...sqlite.lists].map(([rows, user]) => [user, postgres.lists.get(rows)] as const), [sqlite.writer, postgres.writer] as const]
  for (const [a, b] of users) {
    if (!b || a.taskIds.length !== b.taskIds.length || a.taskIds.some((id, i) => b.taskIds[i] !== id)) {
      throw new Error(`PostgreSQL was seeded with other task ids than SQLite for ${a.username}`)
    }
  }
}

/**
 * Runs the section: `sqliteService` is the run's service on the SQLite file seeded as
 * `seeded`; `spawn` is how the run starts servers.
 */
export async function measurePostgres(sqliteService: RunningServer, seeded: Seeded, spawn: SpawnOptions, options: BenchOptions, log: Log): Promise<PostgresFigures> {
  const database = await createPostgresDatabase({ durableCommits: true })
  const replicas: RunningServer[] = []
  let probe: BackendProbe | undefined
  try {
    const seedingStarted = performance.now()
    sameIds(seeded, await seedDatabase(database.url, options.listRows, seeded))
    log(`seeded PostgreSQL alike in ${Math.round(performance.now() - seedingStarted)} ms`)
    for (let i = 0; i < 2; i++) replicas.push(await startServer('service', { ...spawn, databaseUrl: database.url }))
    const [first, second] = replicas as [RunningServer, RunningServer]
    probe = await openBackendProbe(database.url)

    const cases = sideBySideCases(seeded)
    const onSqlite = { label: 'the service on SQLite', port: sqliteService.port }
    await checkParity(cases, { label: 'replica 1 on PostgreSQL', port: first.port }, onSqlite)
    await checkParity(cases, { label: 'replica 2 on PostgreSQL', port: second.port }, onSqlite)
    log('parity: both PostgreSQL replicas answer every request as the service on SQLite does')

    const setups: Setups = { servers: { sqlite: [sqliteService], postgres: [first], replicas: [first, second] }, probe }
    const requests: PostgresCaseFigures[] = []
    for (const load of cases) {
      requests.push({ name: load.name, read: load.method === 'GET', ...(await measureCase(load, setups, options, log)) })
    }
    return { server: await probe.version(), requests }
  } finally {
    await probe?.close()
    await Promise.all(replicas.map((replica) => replica.stop()))
    await database.drop()
  }
}
