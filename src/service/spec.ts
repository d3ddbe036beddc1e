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
  /** The same document as JSON text, as served at `/openapi.json`. */
  readonly json: string
  /** A fresh parsed copy on each call: openapi-backend dereferences its copy in place. */
  document(): OpenAPIV3_1.Document
}

export function loadSpec(rootDir: string): ApiSpec {
  const yaml = readFileSync(join(rootDir, 'openapi.yaml'), 'utf8')
  const parsed = parse(yaml) as OpenAPIV3_1.Document
  const json = JSON.stringify(parsed)
  return { yaml, json, document: () => structuredClone(parsed) }
}
