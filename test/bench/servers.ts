/**
 * The two servers under comparison, each a child process of its own as in production:
 * the service exactly as `npm start` runs it (`node dist/server.js`, default
 * configuration, logging at info), and the plain Express baseline. Each gets a clean
 * environment holding only the database and port, so no setting of the shell running
 * the benchmark (LOG_LEVEL, NODE_OPTIONS, ...) changes what is measured. The service
 * runs on the SQLite file or, for the postgres section, on a postgres:// URL.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from '../support/free-port.js'
import { send } from './http.js'

export type ServerKind = 'baseline' | 'service'
export const SERVER_KINDS: readonly ServerKind[] = ['baseline', 'service']

export interface RunningServer {
  readonly kind: ServerKind
  readonly port: number
  readonly pid: number
  /** Resident set size now, in MiB (Linux only; undefined elsewhere). */
  rssMiB(): number | undefined
  /** CPU time (user + system) the process has used so far, in ms (Linux only; undefined elsewhere). */
  cpuMs(): number | undefined
  /** SIGTERM, then waits for the exit (SIGKILL after 15 s). */
  stop(): Promise<void>
}

export interface SpawnOptions {
  readonly root: string
  /** DATABASE_URL: the SQLite file, or a postgres:// URL. */
  readonly databaseUrl: string
  /** Where the service's stdout (its log) goes. */
  readonly serviceLog: string
  /** Extra node flags, such as --cpu-prof. */
  readonly nodeArgs?: readonly string[]
}

const ENTRY: Record<ServerKind, string> = {
  baseline: 'test/bench/baseline-express.mjs',
  service: 'dist/server.js',
}

function environment(databaseUrl: string, port: number): NodeJS.ProcessEnv {
  const { PATH, HOME, TMPDIR } = process.env
  return { PATH, HOME, ...(TMPDIR ? { TMPDIR } : {}), DATABASE_URL: databaseUrl, PORT: String(port) }
}

/**
 * CPU time (user + system) process `pid` has used so far, in ms, from /proc: undefined
 * where there is none (not Linux) or the process has exited. Any user's process can be
 * read, so this serves PostgreSQL's backends as well as the servers started here.
 */
export function processCpuMs(pid: number): number | undefined {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // Fields 14 and 15 (utime, stime), in clock ticks of 10 ms; the name field before them may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/** Polls GET /healthz until it answers 200; fails fast if the process dies first. */
async function untilHealthy(child: ChildProcess, port: number, stderr: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before answering /healthz:\n${stderr()}`)
    }
    const answer = await send(port, { method: 'GET', path: '/healthz' }).catch(() => undefined)
    if (answer?.status === 200) return
    await sleep(2)
  }
  throw new Error(`no 200 from /healthz on port ${port} within ${timeoutMs} ms:\n${stderr()}`)
}

/** Starts a server and resolves once it answers; `startupMs` is spawn to first 200. */
export async function startServer(kind: ServerKind, options: SpawnOptions): Promise<RunningServer & { startupMs: number }> {
  const port = await freePort()
  const stdout = kind === 'service' ? openSync(options.serviceLog, 'a') : 'ignore'
  let errors = ''
  const started = performance.now()
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), join(options.root, ENTRY[kind])], {
    cwd: options.root,
    env: environment(options.databaseUrl, port),
    stdio: ['ignore', stdout, 'pipe'],
  })
  if (typeof stdout === 'number') closeSync(stdout)
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    errors = (errors + chunk).slice(-10_000)
  })
  try {
    await untilHealthy(child, port, () => errors)
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  const startupMs = performance.now() - started
  const pid = child.pid ?? 0
  return {
    kind,
    port,
    pid,
    startupMs,
    rssMiB: () => {
      const status = `/proc/${pid}/status`
      if (!existsSync(status)) return undefined
      const kib = /VmRSS:\s+(\d+)/.exec(readFileSync(status, 'utf8'))?.[1]
      return kib === undefined ? undefined : Number(kib) / 1024
    },
    cpuMs: () => processCpuMs(pid),
    stop: async () => {
      const done = exited(child)
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await done
      clearTimeout(killer)
    },
  }
}
