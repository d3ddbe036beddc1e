/**
 * The real server as its own process (`src/server.ts` through tsx), for what one process
 * cannot show: several servers sharing one database file, signals, exit codes.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { ApiClient } from './client.js'

export interface ServerProcess {
  readonly baseUrl: string
  readonly api: ApiClient
  /** Resolves with the first log entry (a JSON line) that `matches`, logged before or after the call. */
  logged(matches: (entry: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>
  /** Everything it has written to stdout so far, line by line, as written. */
  output(): readonly string[]
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>
  /** Sends `signal` (SIGKILL: no shutdown, no drain) and resolves with the signal that ended it. */
  kill(signal: NodeJS.Signals): Promise<NodeJS.Signals | null>
}

const root = fileURLToPath(new URL('../..', import.meta.url))

export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    // LOAD_SHED_LAG_MS: the test runner and other servers share this busy machine's cores,
    // so a lag that sheds (503) in production is normal here; shedding has its own tests
    // (load-shedding.test.ts). A test may still set it.
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', SCRYPT_COST: '1024', LOAD_SHED_LAG_MS: '60000', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const entries: Array<Record<string, unknown>> = []
  const output: string[] = []
  const waiting = new Set<{ matches: (entry: Record<string, unknown>) => boolean; resolve: (entry: Record<string, unknown>) => void }>()
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  lines.on('line', (line) => {
    output.push(line)
    const entry = JSON.parse(line) as Record<string, unknown>
    entries.push(entry)
    for (const waiter of waiting) {
      if (waiter.matches(entry)) {
        waiting.delete(waiter)
        waiter.resolve(entry)
      }
    }
  })
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  const exited = ended.then(({ code }) => code)
  const logged = (matches: (entry: Record<string, unknown>) => boolean) => {
    const earlier = entries.find(matches)
    return earlier ? Promise.resolve(earlier) : new Promise<Record<string, unknown>>((resolve) => waiting.add({ matches, resolve }))
  }
  const port = await Promise.race([
    logged((entry) => typeof entry.port === 'number').then((entry) => entry.port as number),
    exited.then((code) => Promise.reject(new Error(`server exited with ${String(code)} before listening`))),
  ])
  const baseUrl = `http://127.0.0.1:${port}`
  return {
    baseUrl,
    api: new ApiClient(baseUrl),
    logged,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM')
      return exited
    },
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return (await ended).signal
    },
  }
}
