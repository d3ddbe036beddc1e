/**
 * The OpenAPI document, loaded once. The server enforces it, serves it and renders it;
 * all three use this one copy.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { OpenAPIV3_1 } from 'openapi-types'
import { parse } from 'yaml'

export interface ApiSpec {
  /** `openapi.yaml` byte for byte, as served at `/openapi.yaml`. */
  readonly yaml: string
  /** The document, parsed once and frozen, as served at `/openapi.json`. */
  readonly parsed: Readonly<OpenAPIV3_1.Document>
  /** A fresh mutable copy on each call: openapi-backend dereferences its copy in place. */
  document(): OpenAPIV3_1.Document
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

export function loadSpec(rootDir: string): ApiSpec {
  const yaml = readFileSync(join(rootDir, 'openapi.yaml'), 'utf8')
  const parsed = deepFreeze(parse(yaml) as OpenAPIV3_1.Document)
  return { yaml, parsed, document: () => structuredClone(parsed) }
}
