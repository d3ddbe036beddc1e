/**
 * The folder-cycle check (`npm run lint:deps`) on small trees written here, so that what
 * it reports about src/ can be trusted: the check of src/ itself is the npm script.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { fileImports, folderFindings } from './folder-cycles.js'

const roots: string[] = []

/** A source tree in a temporary folder: file path -> content. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'folder-cycles-'))
  roots.push(root)
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), content)
  }
  return root
}

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true })
})

describe('folder cycles', () => {
  it('a one-way tree has no findings', () => {
    const root = tree({
      'app.ts': "import { run } from './http/run.js'\nexport const app = run",
      'http/run.ts': "import { find } from '../db/find.js'\nexport const run = find",
      'db/find.ts': "import { NotFound } from '../errors.js'\nexport const find = NotFound",
      'errors.ts': 'export class NotFound {}',
    })
    expect(folderFindings(root)).toEqual([])
  })

  it('two folders that import each other, through a type-only import too, are one cycle naming both imports', () => {
    const root = tree({
      'http/auth.ts': "import { findUser } from '../users/find.js'\nexport const auth = findUser",
      'users/find.ts': "import type { Principal } from '../http/principal.js'\nexport const findUser = (p: Principal) => p",
      'http/principal.ts': 'export interface Principal { id: number }',
    })
    const [finding, ...rest] = folderFindings(root)
    expect(rest).toEqual([])
    expect(finding).toContain('cycle among http/, users/')
    expect(finding).toContain('http/auth.ts imports users/find.ts')
    expect(finding).toContain('users/find.ts imports http/principal.ts (type)')
  })

  it('a longer loop (a -> b -> c -> a) is found, and a file directly in the root is a node of its own', () => {
    const root = tree({
      'a/one.ts': "export { two } from '../b/two.js'",
      'b/two.ts': "import { three } from '../deps.js'\nexport const two = three",
      'deps.ts': "export const three = import('./a/one.js')",
      'errors.ts': "import { two } from './b/two.js'\nexport const four = two",
    })
    expect(folderFindings(root)).toEqual([expect.stringContaining('cycle among a/, b/, deps.ts')])
  })

  it('only top files may import the top files', () => {
    const root = tree({
      'app.ts': "import { serve } from './http/serve.js'\nexport const app = serve",
      'server.ts': "import { app } from './app.js'\napp",
      'http/serve.ts': "import type { app } from '../app.js'\nexport const serve = 1 as unknown as typeof app",
    })
    expect(folderFindings(root)).toEqual([expect.stringContaining('cycle among app.ts, http/'), 'http/serve.ts imports app.ts, which only top files may import'])
  })

  it('reads import declarations, re-exports, import() and import types; names .js specifiers by their .ts files; leaves packages out', () => {
    const root = tree({
      'x/a.ts': [
        "import { readFileSync } from 'node:fs'",
        "import { type B } from '../y/b.js'",
        "export * from '../y/c.js'",
        "export type D = import('../y/d.js').D",
        "export const e = () => import('../y/e.js')",
        'export const f: B | undefined = undefined',
        'readFileSync',
      ].join('\n'),
    })
    expect(fileImports(root)).toEqual([
      { from: 'x/a.ts', to: 'y/b.ts', typeOnly: true },
      { from: 'x/a.ts', to: 'y/c.ts', typeOnly: false },
      { from: 'x/a.ts', to: 'y/d.ts', typeOnly: true },
      { from: 'x/a.ts', to: 'y/e.ts', typeOnly: false },
    ])
  })
})
