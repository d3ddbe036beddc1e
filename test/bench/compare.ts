/**
 * `npm run bench:compare`: the service from two or more checkouts (or with other node
 * flags), side by side under one request case, in alternating rounds, so that a change
 * worth a few percent shows through this machine's noise (10-30% between runs).
 *
 *     BENCH_COMPARE="before=/work/old-checkout;after=." BENCH_CASES=GET npm run bench:compare
 *     BENCH_COMPARE="g50=.;g100=.|--heap-growing-percent=100" npm run bench:compare
 *
 * Each entry is `label=root`, optionally `|node flags` (space-separated); each root must be
 * built (`npm run build:dist` there). Every round starts each server afresh on the same
 * seeded database, warms it up and measures it, the order reversed every other round;
 * the medians are printed: rate, p99, the server's CPU time per request and its resident
 * size at the end. CPU per request is the figure to compare: other work on the machine
 * moves it far less than the rates. Settings: BENCH_SECONDS (default 8 here),
 * BENCH_ROUNDS (default 4 here), BENCH_CONNECTIONS, BENCH_WARMUP_SECONDS.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { sideBySideCases } from './cases.js'
import { runLoad } from './load.js'
import { readOptions } from './options.js'
import { commitOf, machine } from './results.js'
import { seedDatabase } from './seed.js'
import { startServer } from './servers.js'

interface Variant {
  readonly label: string
  readonly root: string
  readonly nodeArgs: readonly string[]
}

interface Round {
  readonly rate: number
  readonly p99: number
  readonly cpuUs: number
  readonly rssMiB: number
}

function variants(spec: string | undefined): Variant[] {
  if (!spec) throw new Error('BENCH_COMPARE lists what to compare: "before=/path/to/checkout;after=."')
  return spec.split(';').map((entry) => {
    const at = entry.indexOf('=')
    if (at <= 0) throw new Error(`BENCH_COMPARE entries are label=root[|node flags], not ${JSON.stringify(entry)}`)
    const [root = '', flags = ''] = entry.slice(at + 1).split('|')
    return { label: entry.slice(0, at), root: resolve(root), nodeArgs: flags.split(' ').filter((flag) => flag !== '') }
  })
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

async function main(): Promise<void> {
  const options = readOptions({ BENCH_SECONDS: '8', BENCH_ROUNDS: '4', ...process.env })
  const compared = variants(process.env.BENCH_COMPARE)
  const databasePath = join(mkdtempSync(join(tmpdir(), 'achiever-compare-')), 'bench.sqlite')
  const seeded = await seedDatabase(databasePath, [1000])
  const wanted = options.cases[0] ?? 'GET'
  const load = sideBySideCases(seeded).find((c) => c.name.startsWith(wanted))
  if (!load) throw new Error(`no request case named ${JSON.stringify(wanted)}...`)
  const m = machine()
  console.log(`${load.name}: ${options.rounds} rounds of ${options.seconds} s, ${options.connections} connections; ${m.cpu}, ${m.cores} cores`)

  const rounds = new Map<string, Round[]>()
  for (let round = 0; round < options.rounds; round++) {
    for (const variant of round % 2 === 0 ? compared : [...compared].reverse()) {
      const server = await startServer('service', { root: variant.root, databaseUrl: databasePath, serviceLog: options.serviceLog, nodeArgs: variant.nodeArgs })
      await runLoad(server, load, options.warmupSeconds, options.connections)
      const cpuBefore = server.cpuMs() ?? Number.NaN
      const measured = await runLoad(server, load, options.seconds, options.connections)
      const cpuUs = (((server.cpuMs() ?? Number.NaN) - cpuBefore) * 1000) / (measured.rate * options.seconds)
      const rssMiB = server.rssMiB() ?? Number.NaN
      await server.stop()
      rounds.set(variant.label, [...(rounds.get(variant.label) ?? []), { rate: measured.rate, p99: measured.p99, cpuUs, rssMiB }])
      console.log(`  round ${round + 1}, ${variant.label}: ${Math.round(measured.rate)} req/s, p99 ${measured.p99.toFixed(1)} ms, ${cpuUs.toFixed(0)} µs CPU per request`)
    }
  }
  const first = compared[0]
  const firstCpu = median((rounds.get(first?.label ?? '') ?? []).map((r) => r.cpuUs))
  console.log('\n| variant | commit | req/s | p99 | CPU per request | vs the first | RSS at the end |\n| --- | --- | --- | --- | --- | --- | --- |')
  for (const variant of compared) {
    const runs = rounds.get(variant.label) ?? []
    const cpu = median(runs.map((r) => r.cpuUs))
    const flags = variant.nodeArgs.length > 0 ? ` ${variant.nodeArgs.join(' ')}` : ''
    console.log(
      `| ${variant.label}${flags} | ${commitOf(variant.root)} | ${Math.round(median(runs.map((r) => r.rate)))} | ${median(runs.map((r) => r.p99)).toFixed(1)} ms | ` +
        `${cpu.toFixed(0)} µs | ${(cpu / firstCpu).toFixed(2)}x | ${median(runs.map((r) => r.rssMiB)).toFixed(0)} MiB |`,
    )
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
