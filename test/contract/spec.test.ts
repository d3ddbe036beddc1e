/**
 * The spec itself: in sync with `generated/`, and complete in the ways our consumers
 * (docs readers, SDK generators, contract testers) depend on.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generatedFiles } from '../../src/build/generate.js'
import { Contract } from '../support/contract.js'

const root = join(import.meta.dirname, '../..')
const contract = new Contract()
type Node = Record<string, unknown>

/**
 * Runs the step of `npm run generate` that starts with `command`, as the script writes it
 * but with its output (`output`) sent to a temporary file, and returns what it wrote.
 */
function rerunGenerateStep(command: string, output: string): string {
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
  const step = (scripts.generate ?? '').split(' && ').find((s) => s.startsWith(`${command} `))
  expect(step, `a step of npm run generate runs ${command}`).toBeDefined()
  const args = (step ?? '').split(' ').slice(1)
  expect(args).toContain(output)
  const dir = mkdtempSync(join(tmpdir(), 'achiever-gen-'))
  try {
    const fresh = join(dir, basename(output))
    execFileSync(
      join(root, 'node_modules/.bin', command),
      args.map((a) => (a === output ? fresh : a)),
      { cwd: root, stdio: 'pipe' },
    )
    return readFileSync(fresh, 'utf8')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('openapi.yaml, the bundle', () => {
  it('is what Redocly bundles from src/openapi/ (edit there, then run `npm run generate`)', () => {
    // Exactly this command: not `--dereferenced`, so components stay components and every `$ref` a reference.
    expect(readFileSync(join(root, 'package.json'), 'utf8')).toContain('"generate": "redocly bundle src/openapi/openapi.yaml -o openapi.yaml && ')
    expect(rerunGenerateStep('redocly', 'openapi.yaml')).toBe(readFileSync(join(root, 'openapi.yaml'), 'utf8'))
  }, 60_000)
})

describe('generated/', () => {
  it('is what openapi-typescript makes of the current openapi.yaml (run `npm run generate`)', () => {
    expect(rerunGenerateStep('openapi-typescript', 'generated/openapi.d.ts')).toBe(readFileSync(join(root, 'generated/openapi.d.ts'), 'utf8'))
  }, 30_000)

  it('holds what src/build/generate.ts makes of the current openapi.yaml (run `npm run generate`)', async () => {
    expect(readFileSync(join(root, 'package.json'), 'utf8')).toContain('&& tsx src/build/generate.ts')
    const files = await generatedFiles(root)
    expect([...files.keys()].sort()).toEqual([
      'generated/openapi-schema.cjs',
      'generated/request-validators.cjs',
      'generated/response-serializers.cjs',
      'generated/spec.json',
    ])
    for (const [path, content] of files) expect(readFileSync(join(root, path), 'utf8'), path).toBe(content)
    // Whatever ran in this process before (fast-json-stringify keeps counters): the same spec, the same files.
    expect(await generatedFiles(root)).toEqual(files)
  }, 120_000)
})

/** Every object in the document, with its JSON Pointer. */
function* walk(node: unknown, pointer = ''): Generator<[string, Node]> {
  if (Array.isArray(node)) {
    for (const [i, child] of node.entries()) yield* walk(child, `${pointer}/${i}`)
  } else if (node && typeof node === 'object') {
    yield [pointer, node as Node]
    for (const [key, child] of Object.entries(node)) yield* walk(child, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`)
  }
}

describe('openapi.yaml', () => {
  it('puts nothing beside a schema $ref (openapi-backend would corrupt the copy it dereferences)', () => {
    const withSiblings = [...walk(contract.document)]
      .filter(([pointer, node]) => typeof node.$ref === 'string' && !pointer.includes('/examples/') && Object.keys(node).length > 1)
      .map(([pointer]) => pointer)
    expect(withSiblings).toEqual([])
  })

  const operations = contract.operations()

  it.each(operations.map((o) => [o.operationId, o] as const))('%s is documented for people and generators', (_id, { operationId, operation }) => {
    expect(operationId).toMatch(/^[a-z][a-zA-Z0-9]+$/)
    expect(operation.tags).toHaveLength(1)
    expect(String(operation.summary).length).toBeGreaterThan(5)
    expect(String(operation.description).length).toBeGreaterThan(10)
  })

  it('names every operation once', () => {
    const ids = operations.map((o) => o.operationId)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it.each(operations.map((o) => [o.operationId, o] as const))('%s declares every status it can return', (_id, { operation }) => {
    const statuses = Object.keys(operation.responses as Node)
    const security = ((operation.security ?? contract.document.security) as Node[]).flatMap((r) => Object.keys(r))
    const hasBody = operation.requestBody !== undefined
    // 400: any operation rejects a query parameter it does not declare.
    const expected = ['400', '406', '500']
    if (security.length > 0) expected.push('401')
    if (security.includes('basicAuth')) expected.push('429')
    if (hasBody) expected.push('413', '415', '422')
    expect(statuses).toEqual(expect.arrayContaining(expected))
    expect(statuses.some((s) => s.startsWith('2'))).toBe(true)
  })

  it.each(operations.map((o) => [o.operationId, o] as const))('%s has request and response examples', (_id, { operation }) => {
    const body = contract.resolve(operation.requestBody as never)
    for (const media of Object.values((body?.content ?? {}) as Record<string, Node>)) {
      expect(media.example ?? media.examples).toBeDefined()
    }
    for (const [status, ref] of Object.entries(operation.responses as Node)) {
      const response = contract.resolve(ref as never)
      for (const [type, media] of Object.entries((response?.content ?? {}) as Record<string, Node>)) {
        // The served spec is its own example.
        if (type.endsWith('json') && operation.operationId !== 'getOpenApiJson') {
          expect(media.example ?? media.examples, `${status} ${type}`).toBeDefined()
        }
      }
    }
  })

  it('gives every request and response body a named component schema, for SDK generators', () => {
    const bodies = [...walk(contract.document)].filter(([pointer]) => /\/content\/[^/]+$/.test(pointer))
    expect(bodies.length).toBeGreaterThan(30)
    const inline = bodies.filter(([, media]) => typeof (media.schema as Node | undefined)?.$ref !== 'string').map(([pointer]) => pointer)
    expect(inline).toEqual([])
  })

  it('closes every request body schema with additionalProperties: false', () => {
    const schemas = contract.document.components as { schemas: Record<string, Node> }
    for (const name of ['UserRegistration', 'UserUpdate', 'TaskWrite', 'TaskPatch']) {
      expect(schemas.schemas[name]?.additionalProperties, name).toBe(false)
    }
  })
})
