/**
 * `npm start` runs this first (prestart): it builds what is missing or older than what it
 * is built from, and nothing else, so a second `npm start` starts at once. Plain
 * JavaScript, not TypeScript, because it runs before anything is compiled (a fresh clone
 * has no dist/) and without dev tools such as tsx. Types: ensure-built.d.mts. The
 * benchmark (test/bench) uses it too, as it measures what `npm start` runs.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** What each output is built from, and the npm script that builds it. */
export const OUTPUTS = [
  {
    output: 'docs/index.html',
    script: 'docs',
    sources: ['openapi.yaml', 'redocly.yaml', 'docs/offline.mjs', 'package-lock.json'],
  },
  {
    output: 'dist/server.js',
    script: 'build:dist',
    sources: ['src', 'generated', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'],
  },
]

/** The newest modification time under `path`, in ms. */
function newest(path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stat.mtimeMs)
}

/** The builds `root` needs, each with the reason, for the log; none when all is current. */
export function staleOutputs(root, outputs = OUTPUTS) {
  return outputs.flatMap(({ output, script, sources }) => {
    const built = join(root, output)
    if (!existsSync(built)) return [{ script, reason: `${output} is missing` }]
    const builtAt = statSync(built).mtimeMs
    const changed = sources.find((source) => existsSync(join(root, source)) && newest(join(root, source)) > builtAt)
    return changed ? [{ script, reason: `${changed} changed since ${output} was built` }] : []
  })
}

/**
 * A build that succeeds says nothing: Redocly prints banners on every run (Node 20's end
 * of life, Redoc 3) that no setting of its turns off, and they are not news to someone
 * starting the server. A build that fails shows everything it wrote (tsc reports its
 * errors on stdout, Redocly on stderr).
 */
export function ensureBuilt(root, log) {
  for (const { script, reason } of staleOutputs(root)) {
    log(`building: ${reason} (npm run ${script})`)
    try {
      execFileSync('npm', ['run', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    } catch (error) {
      for (const output of [error?.stdout, error?.stderr]) if (typeof output === 'string') process.stderr.write(output)
      throw error
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureBuilt(join(import.meta.dirname, '../..'), (line) => console.error(line))
}
