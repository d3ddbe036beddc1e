/**
 * The `postgres` section of the report (issue 12, item 7): the service on PostgreSQL
 * against the service on SQLite, one replica against two, and why the second figure is
 * what it is on the machine the run was on.
 */
import { integer, ms, ratio, table, verdict } from './format.js'
import type { PostgresFigures, SetupMeasurement } from './postgres.js'
import { type Machine, median } from './results.js'

/** Issue 12: PostgreSQL single-replica reads at least half SQLite's rate. */
const POSTGRES_READ_TARGET = 0.5

const us = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? `${Math.round(value)} µs` : 'n/a')
const cores = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : 'n/a')

function rate(m: SetupMeasurement): string {
  return integer(m.rate) + (m.failures > 0 ? ` (${m.failures.toLocaleString('en')} failed)` : '')
}

/** `service + PostgreSQL = total`, per answer; on SQLite the service's alone holds the database's work. */
function serverCpu(m: SetupMeasurement): string {
  if (m.databaseCpuUsPerRequest === undefined) return us(m.cpuUsPerRequest)
  return `${us(m.cpuUsPerRequest)} + ${us(m.databaseCpuUsPerRequest)} = ${us((m.cpuUsPerRequest ?? Number.NaN) + m.databaseCpuUsPerRequest)}`
}

/** Everything one answer cost: the service(s), the database backends and the load generator, µs. */
function totalCpu(m: SetupMeasurement): number {
  return (m.cpuUsPerRequest ?? Number.NaN) + (m.databaseCpuUsPerRequest ?? 0) + m.generatorCpuUsPerRequest
}

function againstSqlite(figures: PostgresFigures): string {
  return table(
    [
      'operation',
      'SQLite req/s',
      'PostgreSQL req/s',
      `PostgreSQL / SQLite (reads >= ${POSTGRES_READ_TARGET})`,
      'SQLite p99',
      'PostgreSQL p99',
      'CPU per request on SQLite: service',
      'on PostgreSQL: service + database',
    ],
    figures.requests.map(({ name, read, sqlite, postgres }) => {
      const share = postgres.rate / sqlite.rate
      const target = read ? ` ${verdict(share >= POSTGRES_READ_TARGET)}` : ''
      return [name, rate(sqlite), rate(postgres), ratio(share) + target, ms(sqlite.p99), ms(postgres.p99), serverCpu(sqlite), serverCpu(postgres)]
    }),
  )
}

function oneAgainstTwo(figures: PostgresFigures, machine: Machine): string {
  return table(
    [
      'operation',
      '1 replica req/s',
      '2 replicas req/s',
      '2 / 1',
      '1 replica p99',
      '2 replicas p99',
      'CPU per request, 1 replica: service + database',
      '2 replicas: services + database',
      'load generator CPU per request: 1, 2',
      `cores busy (of ${machine.cores}): 1, 2`,
    ],
    figures.requests.map(({ name, postgres, replicas }) => [
      name,
      rate(postgres),
      rate(replicas),
      ratio(replicas.rate / postgres.rate),
      ms(postgres.p99),
      ms(replicas.p99),
      serverCpu(postgres),
      serverCpu(replicas),
      `${us(postgres.generatorCpuUsPerRequest)}, ${us(replicas.generatorCpuUsPerRequest)}`,
      `${cores(postgres.coresBusy)}, ${cores(replicas.coresBusy)}`,
    ]),
  )
}

/** At least this share of the cores busy reads as a machine used up. */
const SATURATED = 0.85

/** Why the second replica does (not) help, with the run's own figures. */
function why(figures: PostgresFigures, machine: Machine): string {
  const change = median(figures.requests.map((r) => r.replicas.rate / r.postgres.rate))
  const busyOne = median(figures.requests.map((r) => r.postgres.coresBusy))
  const busyTwo = median(figures.requests.map((r) => r.replicas.coresBusy))
  const cpuChange = median(figures.requests.map((r) => totalCpu(r.replicas) / totalCpu(r.postgres)))
  const outcome =
    change < 1.15 ? `the rate barely moves (${ratio(change)}, the median over the cases)` : `the rate rises ${ratio(change)} (the median over the cases), short of 2x`
  const oneReplica =
    busyOne >= SATURATED * machine.cores
      ? 'the one Node process, PostgreSQL and the load generator between them use up the machine.'
      : 'the rest went to other work on the machine (see the load averages at the top), which leaves a second replica ' +
        'even less: these figures are not from a quiet machine.'
  return (
    `Why: the machine has ${machine.cores} cores, and everything measured here shares them: the load generator (this ` +
    'process), the service process or processes, and PostgreSQL (a backend process per pooled connection in use, ' +
    'plus its WAL writer). A replica is one Node process whose JavaScript runs on one thread, so it can use about one ' +
    `core at most. With one replica, ${cores(busyOne)} of the ${machine.cores} cores were busy (the median of the ` +
    `last column); ${oneReplica} A second replica adds throughput only if there is an idle core for it; ` +
    'here it takes its CPU time from the same cores PostgreSQL and the load generator need, so ' +
    `${outcome}, with ${cores(busyTwo)} cores busy. A request cost ${ratio(cpuChange)} the CPU in all (services, ` +
    'database and load generator; the median over the cases) with two replicas of what it cost with one: the work is ' +
    'spread over more processes, not made cheaper, and the extra processes and pools add context switches. Replicas ' +
    'scale throughput where each has a core of its own and PostgreSQL and the clients run on other cores or machines; ' +
    `on this machine the figure measures ${machine.cores} cores shared, not scaling out.`
  )
}

export function postgresSection(figures: PostgresFigures, machine: Machine): string {
  return [
    '## PostgreSQL against SQLite, one replica against two (issue 12)',
    '',
    `The service (\`node dist/server.js\`, default configuration and pool) on a fresh ${figures.server} database on ` +
      "the local server (durable commits, PostgreSQL's default, as SQLite's `synchronous=FULL`), seeded exactly as the " +
      'SQLite file; both replicas answered every request as the service on SQLite did before anything was timed. ' +
      'The same load for each setup (the connections and seconds at the top), the three setups (SQLite, 1 replica, 2 replicas) rotating round by round. ' +
      "Two replicas: both on the one database, the load generator's connections split evenly between their two ports " +
      '(two autocannon instances in the one load-generator process, no proxy).',
    '',
    againstSqlite(figures),
    '',
    "CPU per request: each process's own CPU time per answer, from /proc. On SQLite the database's work is done inside " +
      "the service; on PostgreSQL most of it moves to the backends serving the benchmark's database, so their CPU time " +
      "is added (PostgreSQL's shared background work is not counted).",
    '',
    oneAgainstTwo(figures, machine),
    '',
    'Cores busy: the CPU time of the service process(es), the PostgreSQL backends and the load generator, over the wall time.',
    '',
    why(figures, machine),
  ].join('\n')
}
