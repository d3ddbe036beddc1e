/**
 * @achiever/client installs on its own, as the README's "TypeScript SDK" section says: the
 * workspace is packed (`npm pack -w @achiever/client`), the tarball installed in a fresh
 * project made by `npm init -y`, and what that project gets is the client and
 * openapi-fetch, nothing of the server's. Every TypeScript snippet of that section, in
 * one `index.ts`, type-checks under the config `tsc --init` writes and runs against a
 * fresh server, each response held to openapi.yaml.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { checkedFetch } from '../support/checked-fetch.js'
import { startTestServer, type TestServer } from '../support/server.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
/** Where the README's snippets expect the server; the test's own server takes its place. */
const README_ORIGIN = 'http://localhost:3000'

const execFileAsync = promisify(execFile)

/**
 * Runs a command in `cwd` as a user would in their own project: without the npm_* settings
 * that `npm test` hands its children (they would point npm back at this checkout).
 */
async function inProject(cwd: string, command: string, args: readonly string[]): Promise<string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')))
  const { stdout } = await execFileAsync(command, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 })
  return stdout
}

/** Every ```ts block of the README's TypeScript SDK section, in order, as one program. */
function readmeSnippets(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const section = /^## TypeScript SDK\n([\s\S]*?)^## /m.exec(readme)?.[1]
  if (section === undefined) throw new Error('README.md has no "## TypeScript SDK" section')
  const blocks = [...section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '')
  if (blocks.length === 0) throw new Error('the TypeScript SDK section has no ```ts block')
  return blocks.join('\n')
}

interface Packed {
  readonly filename: string
  readonly files: ReadonlyArray<{ readonly path: string }>
}

let dir: string
let app: string
let packed: Packed
let server: TestServer

// Packing builds the client with tsc, and installing may reach the npm registry: minutes
// on a busy machine, not seconds.
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'achiever-client-package-'))
  app = join(dir, 'my-app')
  mkdirSync(app)
  const [report] = JSON.parse(await inProject(root, 'npm', ['pack', '-w', '@achiever/client', '--pack-destination', app, '--json'])) as Packed[]
  if (report === undefined) throw new Error('npm pack reported no package')
  packed = report
  await inProject(app, 'npm', ['init', '-y'])
  await inProject(app, 'npm', ['pkg', 'set', 'type=module'])
  await inProject(app, 'npm', ['install', `./${packed.filename}`, '--prefer-offline', '--no-audit', '--no-fund'])
  // The README's `npm install -D typescript` then `npx tsc --init`; this checkout's TypeScript stands in for the install.
  await inProject(app, process.execPath, [tsc, '--init'])
  server = await startTestServer()
  writeFileSync(join(app, 'index.ts'), readmeSnippets().replaceAll(README_ORIGIN, server.baseUrl))
}, 240_000)

afterAll(async () => {
  vi.unstubAllGlobals()
  await server?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('@achiever/client as a package', () => {
  it('packs only the compiled client and the generated types it imports', () => {
    expect(packed.filename).toBe('achiever-client-0.1.0.tgz')
    expect(packed.files.map((file) => file.path).sort()).toEqual([
      'dist/generated/openapi.d.ts',
      'dist/src/client/auth.d.ts',
      'dist/src/client/auth.js',
      'dist/src/client/index.d.ts',
      'dist/src/client/index.js',
      'dist/src/client/paginate.d.ts',
      'dist/src/client/paginate.js',
      'package.json',
    ])
  })

  it('installs into a fresh project with openapi-fetch alone, none of the server', () => {
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> }
    expect(
      Object.keys(lock.packages)
        .filter((path) => path !== '')
        .sort(),
    ).toEqual(['node_modules/@achiever/client', 'node_modules/openapi-fetch', 'node_modules/openapi-typescript-helpers'])
  })

  it("type-checks the README's snippets under the config tsc --init writes", async () => {
    const compiled = inProject(app, process.execPath, [tsc, '-p', app])
    await expect(compiled.catch((error: { stdout?: string }) => Promise.reject(new Error(error.stdout ?? String(error))))).resolves.toBe('')
  }, 120_000)

  it("runs the README's snippets against a live server, every response as the spec says", async () => {
    const network = globalThis.fetch
    const checked = checkedFetch(server.api.contract, (request) => network(request))
    const requested: string[] = []
    vi.stubGlobal('fetch', (input: Request | string | URL, init?: RequestInit) => {
      const request = new Request(input, init)
      requested.push(`${request.method} ${new URL(request.url).pathname}`)
      return checked(request)
    })
    const printed: unknown[][] = []
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args))
    try {
      await import(pathToFileURL(join(app, 'index.js')).href)
    } finally {
      log.mockRestore()
      vi.unstubAllGlobals()
    }
    expect(requested).toEqual([
      'POST /api/v1/users',
      'POST /api/v1/tokens',
      'POST /api/v1/tasks',
      'POST /api/v1/incomes',
      'POST /api/v1/expenses',
      'GET /api/v1/balance',
      'GET /api/v1/tasks',
      'GET /api/v1/tasks/7',
    ])
    expect(printed).toEqual([
      [4987.9], // the balance, as the README's comment says
      ['Read a book'], // listAll: the one open task
      [expect.stringMatching(/task/i)], // GET of a task that does not exist: NOT_FOUND's detail
    ])
  }, 60_000)
})
