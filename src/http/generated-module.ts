/**
 * Loading a CommonJS module of generated/ that was made from openapi.yaml ahead of
 * start-up (`npm run generate`). Each such module records the sha256 of the openapi.yaml
 * it was made from; a module made from another spec (or missing) is not used, and the
 * caller builds what it holds at start-up instead, after a warning: a stale file costs
 * time, never correctness. test/contract/spec.test.ts fails while a committed file is
 * not what `npm run generate` makes of the current spec.
 */
import { createRequire } from 'node:module'

/** What every generated module exports besides its content. */
export interface GeneratedModule {
  /** sha256 of the openapi.yaml the module was made from. */
  readonly sha256: string
}

/**
 * The module at `path` (from the root, e.g. `generated/request-validators.cjs`) when it
 * was made from the spec whose sha256 is `specSha256`; otherwise undefined, having warned
 * that the server does `instead` (e.g. "compiling the request validators at start-up").
 */
export function loadGeneratedModule<T extends GeneratedModule>(path: string, specSha256: string, instead: string): T | undefined {
  let loaded: T | undefined
  try {
    // Two levels up from src/http (or dist/http) is the root. require: the file is
    // CommonJS, as the standalone code in it `require`s its runtime helpers.
    loaded = createRequire(import.meta.url)(`../../${path}`) as T
  } catch {
    loaded = undefined
  }
  if (loaded?.sha256 === specSha256) return loaded
  process.emitWarning(`${path} was not made from this openapi.yaml (run \`npm run generate\`): ${instead}`)
  return undefined
}
