/**
 * The benchmark measures what `npm start` runs, `node dist/server.js`, so dist/ must be
 * the current source. `npm run build` takes several seconds (the docs and tsc), so it
 * runs only when dist/ is missing or older than anything it is built from.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** The newest modification time under `path`, in ms. */
function newest(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stat.mtimeMs)
}

const SOURCES = ['src', 'openapi.yaml', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json']

/** Whether dist/server.js is missing or older than a source; the reason, for the log. */
export function staleBuild(root: string): string | undefined {
  const built = join(root, 'dist', 'server.js')
  if (!existsSync(built)) return 'dist/server.js is missing'
  const builtAt = statSync(built).mtimeMs
  const changed = SOURCES.find((source) => existsSync(join(root, source)) && newest(join(root, source)) > builtAt)
  return changed ? `${changed} changed since the last build` : undefined
}

export function ensureBuilt(root: string, log: (line: string) => void): void {
  const reason = staleBuild(root)
  if (!reason) return
  log(`building: ${reason} (npm run build)`)
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
}
