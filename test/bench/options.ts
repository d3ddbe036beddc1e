/**
 * The benchmark's knobs, read from the environment once. Defaults follow issue 10's
 * method (32 connections, 10 s, median of 2), so a run without settings is comparable
 * with the figures in the issue and in RESULTS.md.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export type Section = 'startup' | 'requests' | 'lists' | 'memory' | 'postgres'
const SECTIONS: readonly Section[] = ['startup', 'requests', 'lists', 'memory', 'postgres']

export interface BenchOptions {
  /** Seconds each measured load runs (BENCH_SECONDS). */
  readonly seconds: number
  /** Seconds of load before the first measured round, so both servers are warm (BENCH_WARMUP_SECONDS). */
  readonly warmupSeconds: number
  /** Concurrent keep-alive connections (BENCH_CONNECTIONS). */
  readonly connections: number
  /** Measured rounds per case; the median is reported (BENCH_ROUNDS). */
  readonly rounds: number
  /** Spawns of each server timed for start-up; the median is reported (BENCH_STARTUPS). */
  readonly startups: number
  /** The list sizes seeded, one user each (BENCH_LIST_ROWS, comma-separated). */
  readonly listRows: readonly number[]
  /** Length of each of the memory section's two "minutes" of mixed load (BENCH_MEMORY_SECONDS). */
  readonly memorySeconds: number
  /** Which parts run (BENCH_ONLY, comma-separated: startup, requests, lists, memory, postgres); all by default. */
  readonly sections: ReadonlySet<Section>
  /** Only the request cases whose names start with one of these (BENCH_CASES, comma-separated: "GET,PATCH"); all by default. */
  readonly cases: readonly string[]
  /** Write the figures of this run to baseline.json as the new "before" (`--record`). */
  readonly record: boolean
  /** Where the report is written (BENCH_RESULTS); test/bench/RESULTS.md by default. */
  readonly resultsPath: string
  /** Where the service's log lines go (BENCH_SERVICE_LOG); /dev/null by default. */
  readonly serviceLog: string
  /** The project root. */
  readonly root: string
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not ${JSON.stringify(raw)}`)
  return value
}

function integers(raw: string, name: string): number[] {
  return raw.split(',').map((part) => {
    const value = Number(part.trim())
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must list positive integers, not ${JSON.stringify(raw)}`)
    return value
  })
}

function sections(raw: string | undefined): Set<Section> {
  if (!raw) return new Set(SECTIONS)
  const chosen = raw.split(',').map((part) => part.trim())
  for (const name of chosen) {
    if (!SECTIONS.includes(name as Section)) throw new Error(`BENCH_ONLY takes ${SECTIONS.join(', ')}, not ${JSON.stringify(name)}`)
  }
  return new Set(chosen as Section[])
}

export function readOptions(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = process.argv.slice(2)): BenchOptions {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  return {
    seconds: positive(env, 'BENCH_SECONDS', 10),
    warmupSeconds: positive(env, 'BENCH_WARMUP_SECONDS', 2),
    connections: Math.round(positive(env, 'BENCH_CONNECTIONS', 32)),
    rounds: Math.round(positive(env, 'BENCH_ROUNDS', 2)),
    startups: Math.round(positive(env, 'BENCH_STARTUPS', 3)),
    memorySeconds: positive(env, 'BENCH_MEMORY_SECONDS', 60),
    listRows: [...new Set(integers(env.BENCH_LIST_ROWS || '1000,100000', 'BENCH_LIST_ROWS'))].sort((a, b) => a - b),
    sections: sections(env.BENCH_ONLY),
    cases: (env.BENCH_CASES ?? '')
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== ''),
    record: argv.includes('--record'),
    resultsPath: env.BENCH_RESULTS || join(root, 'test/bench/RESULTS.md'),
    serviceLog: env.BENCH_SERVICE_LOG || '/dev/null',
    root,
  }
}
