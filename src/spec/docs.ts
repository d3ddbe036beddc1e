/**
 * The rendered reference, `docs/index.html` (built by `npm run docs` from this same
 * `openapi.yaml`), read once per process with the hashes of its inline scripts and
 * styles: the page is served under a Content-Security-Policy that lists exactly those
 * (http/security-headers.ts), so the hashes must come from the bytes being served.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type InlineSources, inlineSources } from './inline-sources.js'

export interface RenderedDocs {
  readonly html: string
  readonly inline: InlineSources
}

const loaded = new Map<string, Promise<RenderedDocs>>()

/** Rejects while the page is missing; a later call tries again, so a build after start-up is picked up. */
export function loadDocs(rootDir: string): Promise<RenderedDocs> {
  const path = join(rootDir, 'docs', 'index.html')
  let docs = loaded.get(path)
  if (!docs) {
    docs = readFile(path, 'utf8').then((html) => ({ html, inline: inlineSources(html) }))
    docs.catch(() => loaded.delete(path))
    loaded.set(path, docs)
  }
  return docs
}
