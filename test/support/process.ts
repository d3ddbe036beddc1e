/**
 * The real server as its own process (`src/server.ts` through tsx), for what one process
 * cannot show: several servers sharing one database file.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { ApiClient } from './client.js'

export interface ServerProcess {
  readonly baseUrl: string
  readonly api: ApiClient
  stop(): Promise<void>
}

const root = fileURLToPath(new URL('../..', import.meta.url))

export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', SCRYPT_COST: '1024', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { port?: unknown }
      if (typeof entry.port === 'number') resolve(entry.port)
    })
    child.once('exit', (code) => reject(new Error(`server exited with ${String(code)} before listening`)))
  })
  const baseUrl = `http://127.0.0.1:${port}`
  return {
    baseUrl,
    api: new ApiClient(baseUrl),
    stop: async () => {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}
