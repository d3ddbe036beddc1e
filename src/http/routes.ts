/**
 * Path-level facts from the spec that openapi-backend does not expose: which methods a
 * path has (for `Allow` on 405 and OPTIONS, and for CORS preflights).
 */
import type { OpenAPIV3_1 } from 'openapi-types'

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const

interface PathEntry {
  readonly pattern: RegExp
  readonly methods: readonly string[]
}

function toPattern(template: string): RegExp {
  const escaped = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&')
  return new RegExp(`^${escaped.replace(/\{[^}]+\}/g, '[^/]+')}/?$`)
}

export class PathTable {
  private readonly entries: readonly PathEntry[]

  constructor(paths: OpenAPIV3_1.PathsObject) {
    const literalFirst = Object.keys(paths).sort((a, b) => Number(a.includes('{')) - Number(b.includes('{')))
    this.entries = literalFirst.map((template) => {
      const item = paths[template] ?? {}
      const declared = METHODS.filter((m) => m in item).map((m) => m.toUpperCase())
      // HEAD is answered wherever GET is, and OPTIONS on every path.
      const implied = [...(declared.includes('GET') ? ['HEAD'] : []), 'OPTIONS']
      return { pattern: toPattern(template), methods: [...new Set([...declared, ...implied])] }
    })
  }

  /** The methods of the first path item matching `path`, literal paths before templates. */
  allowedMethods(path: string): readonly string[] {
    return this.entries.find((entry) => entry.pattern.test(path))?.methods ?? []
  }
}
