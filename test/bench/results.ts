/**
 * The figures of one run, as data: what report.ts prints and what baseline.json keeps,
 * so that every later run can be set against the recorded "before" figures, not only
 * against the plain-Express baseline of the same run.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, totalmem, type } from 'node:os'
import type { Measurement } from './load.js'
import type { MemoryFigures } from './memory.js'
import type { PostgresFigures } from './postgres.js'

export interface Machine {
  readonly cpu: string
  readonly cores: number
  readonly memoryGiB: number
  readonly os: string
  readonly node: string
}

export interface RequestFigures {
  readonly name: string
  readonly baseline: Measurement
  readonly service: Measurement
}

export interface ListFigures {
  readonly name: string
  readonly rows: number
  readonly page: string
  /** The list's first page, which its other pages are set against. */
  readonly first: boolean
  readonly service: Measurement
}

export interface StartupFigures {
  /** Median ms from spawn to the first 200 from /healthz, and every sample. */
  readonly baseline: { readonly medianMs: number; readonly samplesMs: readonly number[] }
  readonly service: { readonly medianMs: number; readonly samplesMs: readonly number[] }
}

export interface RunResults {
  readonly date: string
  readonly commit: string
  readonly machine: Machine
  /** One-minute load averages when the run began and ended: the machine may be shared. */
  readonly loadAverage: { readonly start: readonly number[]; end: readonly number[] }
  readonly settings: { readonly seconds: number; readonly connections: number; readonly rounds: number; readonly startups: number }
  startup?: StartupFigures
  readonly requests: RequestFigures[]
  readonly lists: ListFigures[]
  memory?: MemoryFigures
  /** The resident size of the service that served the request and list sections, at their end, in MiB. */
  serviceRssMiB?: number
  /** The service on PostgreSQL, one replica and two, against the service on SQLite (issue 12). */
  postgres?: PostgresFigures
}

export function machine(): Machine {
  const processors = cpus()
  return {
    cpu: processors[0]?.model.trim() ?? 'unknown',
    cores: processors.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
  }
}

export function loadAverages(): number[] {
  return loadavg().map((value) => Math.round(value * 100) / 100)
}

/**
 * The commit measured, marked `+changes` when what the service is built from (src/ and
 * the spec) differs from it in the work tree.
 */
export function commitOf(root: string): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim()
  try {
    const dirty = git('status', '--porcelain', '--untracked-files=no', '--', 'src', 'openapi.yaml') !== ''
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? '+changes' : ''}`
  } catch {
    return 'unknown'
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

/** The median round of each figure, taken separately; failures are summed over rounds. */
export function medianOf(rounds: readonly Measurement[]): Measurement {
  return {
    rate: median(rounds.map((r) => r.rate)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    failures: rounds.reduce((sum, r) => sum + r.failures, 0),
    ...(rounds.every((r) => r.cpuUsPerRequest !== undefined) ? { cpuUsPerRequest: median(rounds.map((r) => r.cpuUsPerRequest ?? 0)) } : {}),
  }
}

export function readRecorded(path: string): RunResults | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as RunResults) : undefined
}

export function writeRecorded(path: string, results: RunResults): void {
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`)
}
