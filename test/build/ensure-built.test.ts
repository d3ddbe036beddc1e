/**
 * `npm start` builds only what is missing or older than its sources (prestart:
 * src/build/ensure-built.mjs): decided by modification times, checked here on a scratch
 * tree with times set by hand.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ensureBuilt, OUTPUTS, staleOutputs } from '../../src/build/ensure-built.mjs'

const root = join(import.meta.dirname, '../..')
let dir: string

/** Writes `path` under the scratch root with its modification time `at` seconds after the epoch. */
function touch(path: string, at: number): void {
  const file = join(dir, path)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, '')
  utimesSync(file, at, at)
  utimesSync(dirname(file), at, at)
}

function everything(at: number): void {
  for (const { output, sources } of OUTPUTS) {
    for (const source of sources) touch(source.includes('.') ? source : `${source}/index.ts`, at)
    touch(output, at + 10)
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'achiever-build-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('staleOutputs', () => {
  it('builds everything in a fresh clone (no dist/, no docs/index.html)', () => {
    touch('openapi.yaml', 1000)
    touch('src/server.ts', 1000)
    expect(staleOutputs(dir)).toEqual([
      { script: 'docs', reason: 'docs/index.html is missing' },
      { script: 'build:dist', reason: 'dist/server.js is missing' },
    ])
  })

  it('builds nothing when every output is newer than its sources', () => {
    everything(1000)
    expect(staleOutputs(dir)).toEqual([])
  })

  it('rebuilds only the docs when only openapi.yaml changed', () => {
    everything(1000)
    touch('openapi.yaml', 2000)
    expect(staleOutputs(dir)).toEqual([{ script: 'docs', reason: 'openapi.yaml changed since docs/index.html was built' }])
  })

  it('rebuilds dist/ when a file deep under src/ changed', () => {
    everything(1000)
    touch('src/http/deep/api.ts', 2000)
    expect(staleOutputs(dir)).toEqual([{ script: 'build:dist', reason: 'src changed since dist/server.js was built' }])
  })

  it('rebuilds both when package-lock.json changed (new tool versions)', () => {
    everything(1000)
    touch('package-lock.json', 2000)
    expect(staleOutputs(dir).map((s) => s.script)).toEqual(['docs', 'build:dist'])
  })

  it('names npm scripts that exist, and is what `npm start` runs first', () => {
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
    for (const { script } of OUTPUTS) expect(scripts[script]).toBeDefined()
    expect(scripts.prestart).toBe('node src/build/ensure-built.mjs')
    expect(scripts.build).toBe(OUTPUTS.map((o) => `npm run ${o.script}`).join(' && '))
  })
})

describe('ensureBuilt', () => {
  /** A scratch project whose `docs` build succeeds noisily and whose `build:dist` fails. */
  function project(): void {
    const script = (text: string, code: number) => `node -e "process.stderr.write('${text}'); process.exit(${code})"`
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'scratch',
        private: true,
        scripts: { docs: script('a banner nobody asked for', 0), 'build:dist': script('error TS2322 in src/x.ts', 2) },
      }),
    )
  }

  it('keeps a build that succeeds quiet, and shows all a failing one wrote to stderr', { timeout: 30_000 }, () => {
    project()
    const written: string[] = []
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk))
      return true
    })
    const logged: string[] = []
    try {
      expect(() => ensureBuilt(dir, (line) => logged.push(line))).toThrow()
    } finally {
      stderr.mockRestore()
    }
    expect(logged).toEqual(['building: docs/index.html is missing (npm run docs)', 'building: dist/server.js is missing (npm run build:dist)'])
    expect(written.join('')).toContain('error TS2322 in src/x.ts')
    expect(written.join('')).not.toContain('a banner nobody asked for')
  })

  it('shows what a failing build wrote to stdout too, where tsc reports its errors', { timeout: 30_000 }, () => {
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'scratch',
        private: true,
        scripts: {
          docs: 'node -e "process.stdout.write(\'rendered\')"',
          'build:dist': 'node -e "process.stdout.write(\'src/x.ts(1,7): error TS2322\'); process.exit(2)"',
        },
      }),
    )
    const written: string[] = []
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk))
      return true
    })
    try {
      expect(() => ensureBuilt(dir, () => undefined)).toThrow()
    } finally {
      stderr.mockRestore()
    }
    expect(written.join('')).toContain('src/x.ts(1,7): error TS2322')
    expect(written.join('')).not.toContain('rendered')
  })
})
