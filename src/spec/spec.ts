/**
 * The OpenAPI document, loaded once. The server enforces it, serves it and renders it;
 * all three use this one copy.
 *
 * The parsed document comes from generated/spec.json (`npm run generate`), which records
 * the sha256 of the openapi.yaml it was parsed from: JSON.parse takes a few ms where the
 * YAML parser took a tenth of start-up. When openapi.yaml has changed since, the YAML is
 * parsed as before (with a warning), so a stale file costs time, never correctness.
 * Either way the document is checked against the OpenAPI 3.1 schema (openapi-schema.ts).
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { OpenAPIV3_1 } from 'openapi-types'
import { assertOpenApi31 } from './openapi-schema.js'

export const GENERATED_SPEC = 'generated/spec.json'

export interface ApiSpec {
  /** `openapi.yaml` byte for byte, as served at `/openapi.yaml`. */
  readonly yaml: string
  /** sha256 of {@link yaml}, hex: what generated/ files record they were made from. */
  readonly sha256: string
  /** The document, parsed once and frozen, as served at `/openapi.json`. */
  readonly parsed: Readonly<OpenAPIV3_1.Document>
  /** A fresh mutable copy on each call: openapi-backend dereferences its copy in place. */
  document(): OpenAPIV3_1.Document
}

/** generated/spec.json: the parsed openapi.yaml and the sha256 of the file it came from. */
export interface GeneratedSpec {
  readonly sha256: string
  readonly document: OpenAPIV3_1.Document
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

export function sha256Of(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

function readGenerated(rootDir: string): GeneratedSpec | undefined {
  try {
    return JSON.parse(readFileSync(join(rootDir, GENERATED_SPEC), 'utf8')) as GeneratedSpec
  } catch {
    return undefined
  }
}

/** The YAML parser, loaded only when generated/spec.json is stale: loading it is slow too. */
export function parseYaml(yaml: string): unknown {
  const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml')
  return parse(yaml)
}

function parseSpec(rootDir: string, yaml: string, sha256: string): OpenAPIV3_1.Document {
  const generated = readGenerated(rootDir)
  if (generated?.sha256 === sha256) return generated.document
  process.emitWarning(`${GENERATED_SPEC} was not made from this openapi.yaml (run \`npm run generate\`): parsing the YAML at start-up`)
  return parseYaml(yaml) as OpenAPIV3_1.Document
}

export function loadSpec(rootDir: string): ApiSpec {
  const yaml = readFileSync(join(rootDir, 'openapi.yaml'), 'utf8')
  const sha256 = sha256Of(yaml)
  const document = parseSpec(rootDir, yaml, sha256)
  assertOpenApi31(document)
  const parsed = deepFreeze(document)
  return { yaml, sha256, parsed, document: () => structuredClone(parsed) }
}
