/**
 * `npm run bench:profile [-- --out <file.md>]`: where the service's time goes under the
 * GET load of `npm run bench`, and during its start-up.
 *
 * Runs `node --cpu-prof dist/server.js` (default configuration, as `npm run bench`) on a
 * freshly seeded database, warms it up, drives GET /api/v1/tasks/{id} (or the case
 * BENCH_PROFILE_CASE names, "PATCH" say) for BENCH_SECONDS,
 * stops it (node writes the profile on exit) and summarises two windows of the profile:
 * the measured load, and start-up to the first answer. The .cpuprofile itself stays in a
 * temporary directory, printed at the end, for Chrome DevTools or speedscope.
 * BENCH_PROFILE_SERVER=baseline profiles the plain-Express baseline the same way.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { ensureBuilt } from './build.js'
import { sideBySideCases } from './cases.js'
import { type CpuProfile, renderSummary, summarize } from './cpuprofile.js'
import { runLoad } from './load.js'
import { readOptions } from './options.js'
import { commitOf, loadAverages, machine } from './results.js'
import { seedDatabase } from './seed.js'
import { startServer } from './servers.js'

const log = (line: string) => console.error(`[bench:profile] ${line}`)

/** Sampling every 250 µs rather than node's default 1 ms: four times the detail, still cheap. */
const INTERVAL_US = 250

function outPath(argv: readonly string[]): string | undefined {
  const at = argv.indexOf('--out')
  return at >= 0 ? argv[at + 1] : undefined
}

async function main(): Promise<void> {
  const options = readOptions()
  const loadStart = loadAverages()
  ensureBuilt(options.root, log)
  const dir = mkdtempSync(join(tmpdir(), 'achiever-profile-'))
  const databasePath = join(dir, 'bench.sqlite')
  const seeded = await seedDatabase(databasePath, options.listRows)
  // BENCH_PROFILE_CASE picks another request case by the start of its name ("PATCH", say).
  const wanted = process.env.BENCH_PROFILE_CASE ?? 'GET'
  const get = sideBySideCases(seeded).find((c) => c.name.startsWith(wanted))
  if (!get) throw new Error(`no request case named ${JSON.stringify(wanted)}...`)

  // BENCH_PROFILE_SERVER=baseline profiles the plain-Express baseline instead, to set beside it.
  const kind = process.env.BENCH_PROFILE_SERVER === 'baseline' ? 'baseline' : 'service'
  const service = await startServer(kind, {
    root: options.root,
    databaseUrl: databasePath,
    serviceLog: options.serviceLog,
    nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', String(INTERVAL_US)],
  })
  log(`service answered after ${Math.round(service.startupMs)} ms (profiling slows it down a little)`)
  await runLoad(service, get, options.warmupSeconds, options.connections)
  const loadStarted = performance.now()
  const measured = await runLoad(service, get, options.seconds, options.connections)
  const loadEnded = performance.now()
  log(`${get.name}: ${Math.round(measured.rate)} req/s, p99 ${measured.p99.toFixed(1)} ms under the profiler`)
  await service.stop()
  const tailUs = (performance.now() - loadEnded) * 1000

  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))
  if (!file) throw new Error(`node wrote no .cpuprofile into ${dir}`)
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile
  const toUs = profile.endTime - profile.startTime - tailUs
  const underLoad = summarize(profile, { fromUs: toUs - (loadEnded - loadStarted) * 1000, toUs })
  const startUp = summarize(profile, { fromUs: 0, toUs: service.startupMs * 1000 }, 15)

  const m = machine()
  const report = [
    `# CPU profile of the ${kind}`,
    '',
    `- ${new Date().toISOString()}, commit ${commitOf(options.root)}; \`npm run bench:profile\`: \`node --cpu-prof --cpu-prof-interval ${INTERVAL_US} dist/server.js\`, ` +
      `default configuration, stdout to ${options.serviceLog}.`,
    `- Load: \`${get.name}\` (Bearer), ${options.connections} connections, ${options.seconds} s after ${options.warmupSeconds} s of warm-up: ` +
      `${Math.round(measured.rate)} req/s, p99 ${measured.p99.toFixed(1)} ms under the profiler.`,
    `- Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}; load average at the start ${loadStart.join(', ')}, at the end ${loadAverages().join(', ')}.`,
    '- "% of busy" is of the samples in the window that were not idle. Self time: in the function itself. ' +
      'Inclusive: the module anywhere on the stack, so the rows overlap and do not add up to 100%.',
    '',
    renderSummary(`Under load (${get.name})`, underLoad),
    '',
    renderSummary(`Start-up to the first answer (${Math.round(service.startupMs)} ms)`, startUp),
    '',
  ].join('\n')
  const out = outPath(process.argv.slice(2))
  if (out) writeFileSync(out, report)
  process.stdout.write(report)
  log(`profile kept at ${join(dir, file)}`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
