/**
 * Builds @achiever/client into dist/: src/client compiled by tsc, and beside it the
 * types generated from openapi.yaml that it imports (tsc does not copy a .d.ts).
 */
import { execFileSync } from 'node:child_process'
import { cpSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')

rmSync(here('dist'), { recursive: true, force: true })
execFileSync(process.execPath, [tsc, '-p', here('tsconfig.json')], { stdio: 'inherit' })
cpSync(here('../../generated/openapi.d.ts'), here('dist/generated/openapi.d.ts'))
