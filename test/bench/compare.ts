/**
 * `npm run bench:compare`: the service from two or more checkouts (or with other node
 * flags), side by side under one request case, in alternating rounds, so that a change
 * worth a few percent shows through this machine's noise (10-30% between runs).
 *
 *     BENCH_COMPARE="before=/work/old-checkout;after=." BENCH_CASES=GET npm run bench:compare
 *     BENCH_COMPARE="g50=.;g100=.|--heap-growing-percent=100" npm run bench:compare
 *
 * Each entry is `label=root`, optionally `|node flags` (space-separated); each root is
 * built first if its sources are newer than its build, and must have this checkout's
 * migrations (all variants serve one database, seeded here). Every round starts each
 * server afresh on that database, warms it up and measures it, the order rotated round by
 * round; a variant that answers anything but the case's expected status stops the run
 * (an error is not a speed). The medians are printed as RESULTS.md computes them: rate,
 * p99, the server's CPU time per answer (the figure to compare: other work on the machine
 * moves it far less than the rates) and its resident size at the end. Settings:
 * BENCH_CASES (the first name; GET by default), BENCH_SECONDS (default 8 here),
 * BENCH_ROUNDS (default 4 here), BENCH_CONNECTIONS, BENCH_WARMUP_SECONDS.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { ensureBuilt } from './build.js'
import { sideBySideCases } from './cases.js'
import { type Measurement, runLoad } from './load.js'
import { readOptions } from './options.js'
import { commitOf, machine, median, medianOf } from './results.js'
import { seedDatabase } from './seed.js'
import { startServer } from './servers.js'

interface Variant {
  readonly label: string
  readonly root: string
  readonly nodeArgs: readonly string[]
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

const log = (line: string) => console.error(`[bench:compare] ${line}`)

async function main(): Promise<void> {
  const options = readOptions({ BENCH_SECONDS: '8', BENCH_ROUNDS: '4', ...process.env })
  const compared = variants(process.env.BENCH_COMPARE)
  for (const root of new Set(compared.map((variant) => variant.root))) ensureBuilt(root, log)
  if (options.cases.length > 1) throw new Error('bench:compare measures one request case: name one in BENCH_CASES')
  const dir = mkdtempSync(join(tmpdir(), 'achiever-compare-'))
  const databasePath = join(dir, 'bench.sqlite')
  const seeded = await seedDatabase(databasePath, [1000])
  const wanted = options.cases[0] ?? 'GET'
  const load = sideBySideCases(seeded).find((c) => c.name.startsWith(wanted))
  if (!load) throw new Error(`no request case named ${JSON.stringify(wanted)}...`)
  const m = machine()
  console.log(`${load.name}: ${options.rounds} rounds of ${options.seconds} s, ${options.connections} connections; ${m.cpu}, ${m.cores} cores`)

  const rounds = new Map<string, Array<Measurement & { readonly rssMiB: number }>>()
  try {
    for (let round = 0; round < options.rounds; round++) {
      // Rotated, not reversed: with three or more variants, each takes every place in turn.
      const order = compared.map((_, i) => compared[(i + round) % compared.length] as Variant)
      for (const variant of order) {
        const server = await startServer('service', { root: variant.root, databaseUrl: databasePath, serviceLog: options.serviceLog, nodeArgs: variant.nodeArgs })
        try {
          await runLoad(server, load, options.warmupSeconds, options.connections)
          const measured = await runLoad(server, load, options.seconds, options.connections)
          if (measured.failures > 0) throw new Error(`${variant.label}: ${measured.failures} answers were not ${load.status}; an error is not a speed`)
          rounds.set(variant.label, [...(rounds.get(variant.label) ?? []), { ...measured, rssMiB: server.rssMiB() ?? Number.NaN }])
          console.log(
            `  round ${round + 1}, ${variant.label}: ${Math.round(measured.rate)} req/s, p99 ${measured.p99.toFixed(1)} ms, ` +
              `${measured.cpuUsPerRequest?.toFixed(0) ?? '?'} µs CPU per request`,
          )
        } finally {
          await server.stop()
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }

  const firstCpu = medianOf(rounds.get(compared[0]?.label ?? '') ?? []).cpuUsPerRequest ?? Number.NaN
  console.log('\n| variant | commit | req/s | p99 | CPU per request | vs the first | RSS at the end |\n| --- | --- | --- | --- | --- | --- | --- |')
  for (const variant of compared) {
    const runs = rounds.get(variant.label) ?? []
    const { rate, p99, cpuUsPerRequest: cpu = Number.NaN } = medianOf(runs)
    const flags = variant.nodeArgs.length > 0 ? ` ${variant.nodeArgs.join(' ')}` : ''
    console.log(
      `| ${variant.label}${flags} | ${commitOf(variant.root)} | ${Math.round(rate)} | ${p99.toFixed(1)} ms | ` +
        `${cpu.toFixed(0)} µs | ${(cpu / firstCpu).toFixed(2)}x | ${median(runs.map((r) => r.rssMiB)).toFixed(0)} MiB |`,
    )
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
