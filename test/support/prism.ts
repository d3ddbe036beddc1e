/**
 * Stoplight Prism's validation proxy (`prism proxy`), a third-party check on every
 * response: it forwards each request to our server unchanged and reports what breaks
 * the spec in an `sl-violations` header. It runs without `--errors`, so that invalid
 * requests still reach the server (the negative tests need our answers, not Prism's).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { freePort } from './free-port.js'

export interface PrismProxy {
  readonly url: string
  stop(): Promise<void>
}

const root = fileURLToPath(new URL('../..', import.meta.url))

export async function startPrism(upstream: string): Promise<PrismProxy> {
  const port = await freePort()
  const child: ChildProcess = spawn(
    `${root}/node_modules/.bin/prism`,
    ['proxy', 'openapi.yaml', upstream, '--host', '127.0.0.1', '--port', String(port), '--cors', 'false'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const output: string[] = []
  await new Promise<void>((resolve, reject) => {
    const onLine = (line: string) => {
      output.push(line)
      if (line.includes('Prism is listening')) resolve()
    }
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', onLine)
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', onLine)
    child.once('exit', (code) => reject(new Error(`prism exited with ${String(code)}:\n${output.join('\n')}`)))
  })
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}

interface Violation {
  readonly location: readonly string[]
  readonly severity: string
  readonly code?: string
  readonly message: string
}

/**
 * The response violations Prism reported for one exchange. Request violations are
 * expected: the negative tests send invalid requests on purpose.
 */
export function responseViolations(headers: Headers): string[] {
  const header = headers.get('sl-violations')
  if (!header) return []
  return (JSON.parse(header) as Violation[]).filter((v) => v.location[0] === 'response').map((v) => `${v.severity} at ${v.location.join('.')}: ${v.message}`)
}
