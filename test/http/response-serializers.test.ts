/**
 * The compiled response serializers (src/http/response-serializers.ts) write a valid body
 * byte for byte as `JSON.stringify` does, and drop whatever the schema does not declare.
 * Here: the spec's example of every declared JSON response, both from
 * generated/response-serializers.cjs and compiled at start-up; extra properties at the
 * top, nested and deep in the recursive goal tree; strings and numbers JSON.stringify
 * writes in its own way. Every body the other tests see is held to the same by the test
 * contract (test/support/contract.ts).
 */
import { join } from 'node:path'
import fc from 'fast-check'
import type { OpenAPIV3_1 } from 'openapi-types'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createResponseSerializers, isJsonMediaType, type ResponseSerializers, type Serialize } from '../../src/http/response-serializers.js'
import { loadSpec } from '../../src/spec/spec.js'

const spec = loadSpec(join(import.meta.dirname, '../..'))
const document = spec.parsed as OpenAPIV3_1.Document

type Json = Record<string, unknown>

function resolve<T>(node: T | OpenAPIV3_1.ReferenceObject): T {
  let current: unknown = node
  while (current && typeof current === 'object' && '$ref' in current && typeof current.$ref === 'string') {
    current = current.$ref
      .slice(2)
      .split('/')
      .reduce<unknown>((at, key) => (at as Json)[key.replaceAll('~1', '/').replaceAll('~0', '~')], document)
  }
  return current as T
}

interface DeclaredBody {
  readonly operationId: string
  readonly status: number
  readonly mediaType: string
  /** The spec's examples of it; for the one without (GET /openapi.json), the document it serves. */
  readonly examples: readonly unknown[]
}

/** Every JSON response body the spec declares, with its examples. */
function declaredBodies(): DeclaredBody[] {
  return Object.values(document.paths ?? {}).flatMap((item) =>
    (['get', 'put', 'post', 'delete', 'patch'] as const).flatMap((method) => {
      const operation = item?.[method]
      if (!operation?.operationId) return []
      const operationId = operation.operationId
      return Object.entries(operation.responses ?? {}).flatMap(([status, declared]) =>
        Object.entries(resolve<OpenAPIV3_1.ResponseObject>(declared).content ?? {})
          .filter(([mediaType]) => isJsonMediaType(mediaType))
          .map(([mediaType, media]) => {
            const named = Object.values(media.examples ?? {}).map((e) => resolve<OpenAPIV3_1.ExampleObject>(e).value as unknown)
            const examples = [...(media.example === undefined ? [] : [media.example]), ...named]
            return { operationId, status: Number(status), mediaType, examples: examples.length > 0 ? examples : operationId === 'getOpenApiJson' ? [spec.parsed] : [] }
          }),
      )
    }),
  )
}

const bodies = declaredBodies()

const task = {
  id: 7,
  uri: 'http://localhost:3000/api/v1/tasks/7',
  title: 'Buy "groceries" \\ now',
  description: 'Milk, Cheese, Pizza, Fruit, Tylenol',
  done: false,
  created_at: '2026-11-21T10:00:00.000Z',
  updated_at: '2026-11-21T10:00:00.000Z',
}

function goalNode(id: number, parentId: number | null, subGoals: Json[]): Json {
  return {
    id,
    uri: `http://localhost:3000/api/v1/goals/${id}`,
    name: `Goal ${id}`,
    description: '',
    parent_id: parentId,
    start: '2026-11-21T10:00:00.000Z',
    end: id % 2 === 0 ? '2026-12-01T08:00:00.000Z' : null,
    created_at: '2026-11-21T10:00:00.000Z',
    updated_at: '2026-11-21T10:00:00.000Z',
    sub_goals: subGoals,
  }
}

/** A chain of goals `depth` deep under goal 1, each with `extra` added to it. */
function goalChain(depth: number, extra: Json = {}): Json {
  let node: Json | undefined
  for (let id = depth; id >= 1; id--) node = { ...goalNode(id, id === 1 ? null : id - 1, node ? [node] : []), ...extra }
  return node as Json
}

function serializerOf(serializers: ResponseSerializers, operationId: string, status: number): Serialize {
  const serialize = serializers.serializerFor(operationId, status)
  if (!serialize) throw new Error(`no serializer for ${operationId} ${status}`)
  return serialize
}

const generated = createResponseSerializers(spec)
let compiled: ResponseSerializers
let warnings: ReturnType<typeof vi.spyOn>

beforeAll(() => {
  warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
  compiled = createResponseSerializers({ ...spec, sha256: 'not the sha256 of this openapi.yaml' })
})
afterAll(() => warnings.mockRestore())

describe('response serializers', () => {
  it('come from generated/response-serializers.cjs when it was made from this openapi.yaml, else are compiled with a warning', () => {
    expect(generated.source).toBe('generated')
    expect(compiled.source).toBe('compiled')
    expect(warnings).toHaveBeenCalledWith(expect.stringContaining('generated/response-serializers.cjs was not made from this openapi.yaml'))
  })

  it('cover every JSON response the spec declares, each with an example to check', () => {
    expect(bodies.length).toBeGreaterThan(300)
    for (const body of bodies) {
      expect(body.examples.length, `${body.operationId} ${body.status}`).toBeGreaterThan(0)
      expect(generated.serializerFor(body.operationId, body.status, body.mediaType), `${body.operationId} ${body.status}`).toBeTypeOf('function')
    }
  })

  it.each(bodies.map((b) => [`${b.operationId} ${b.status} ${b.mediaType}`, b] as const))('%s: the examples as JSON.stringify writes them', (_name, body) => {
    for (const serializers of [generated, compiled]) {
      const serialize = serializers.serializerFor(body.operationId, body.status, body.mediaType)
      for (const example of body.examples) expect(serialize?.(example)).toBe(JSON.stringify(example))
    }
  })

  it('have none for a response without a JSON body, nor for an undeclared status or operation', () => {
    expect(generated.serializerFor('getOpenApiYaml', 200)).toBeUndefined()
    expect(generated.serializerFor('getDocs', 200)).toBeUndefined()
    expect(generated.serializerFor('deleteTask', 204)).toBeUndefined()
    expect(generated.serializerFor('getTask', 418)).toBeUndefined()
    expect(generated.serializerFor('getTask', 200, 'application/xml')).toBeUndefined()
    expect(generated.serializerFor('noSuchOperation', 200)).toBeUndefined()
  })

  it.each([
    ['generated', () => generated],
    ['compiled', () => compiled],
  ] as const)('%s: drop a property the schema does not declare, at the top and nested', (_source, serializers) => {
    const getTask = serializerOf(serializers(), 'getTask', 200)
    expect(getTask({ ...task, user_id: 3, password_hash: 'scrypt$secret' })).toBe(JSON.stringify(task))

    const listTasks = serializerOf(serializers(), 'listTasks', 200)
    const leaky = { data: [{ ...task, user_id: 3 }, task], meta: { per_page: 20 }, debug: true }
    expect(listTasks(leaky)).toBe(JSON.stringify({ data: [task, task], meta: { per_page: 20 } }))

    const problem = serializerOf(serializers(), 'createTask', 422)
    const clean = {
      type: '/problems/validation-error',
      title: 'Invalid',
      status: 422,
      detail: 'd',
      code: 'VALIDATION_ERROR',
      errors: [{ detail: 'x', pointer: '/title' }],
    }
    const withStack = { ...clean, stack: 'Error: at db.ts:12', errors: [{ ...clean.errors[0], value: 'secret' }] }
    expect(problem(withStack)).toBe(JSON.stringify(clean))
  })

  it('keep a list page by number and a cursor page (the two branches of ListMeta) as they are', () => {
    const listTasks = serializerOf(generated, 'listTasks', 200)
    for (const meta of [{ page: 2, per_page: 20, total: 41, pages: 3 }, { per_page: 20 }, { per_page: 20, total: 41, pages: 3 }]) {
      const page = { data: [task], meta }
      expect(listTasks(page)).toBe(JSON.stringify(page))
    }
  })

  it('refuse a `oneOf` value that matches none of its branches (a meta with an extra property) rather than leak it', () => {
    // fast-json-stringify picks a oneOf branch by validating against each: the extra
    // property (additionalProperties: false) fails both, so it throws, and the server answers 500.
    const listTasks = serializerOf(generated, 'listTasks', 200)
    expect(() => listTasks({ data: [task], meta: { per_page: 20, sql: 'SELECT *' } })).toThrow(/does not match schema definition/)
  })

  it('write the recursive goal tree, however deep, and drop extras at every depth', () => {
    const tree = serializerOf(generated, 'getGoalTree', 200)
    const forest = { data: [goalChain(40), goalNode(100, null, [goalNode(101, 100, []), goalNode(102, 100, [goalNode(103, 102, [])])])] }
    expect(tree(forest)).toBe(JSON.stringify(forest))
    expect(tree({ data: [goalChain(40, { user_id: 9 })] })).toBe(JSON.stringify({ data: [goalChain(40)] }))
  })

  it('escape strings as JSON.stringify does: quotes, control characters, lone surrogates, long strings', () => {
    const getTask = serializerOf(generated, 'getTask', 200)
    const samples = [
      '',
      '"',
      '\\',
      '\u0000\u001f\n\t',
      '\ud800',
      'a\udc00b',
      '😀\ud83d',
      '\u2028\u2029',
      'é'.repeat(41),
      `${'x'.repeat(6000)}\ud800`,
      `${'y'.repeat(4999)}"`,
    ]
    for (const title of samples) expect(getTask({ ...task, title, description: title })).toBe(JSON.stringify({ ...task, title, description: title }))
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 80 }),
        (title, description) => {
          const body = { ...task, title, description }
          return getTask(body) === JSON.stringify(body)
        },
      ),
    )
  })

  it('write every problem with the one Problem serializer, the same one each operation declares, dropping what the schema lacks', () => {
    const problem = {
      type: '/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: 'There is no task 7.',
      code: 'NOT_FOUND',
    }
    for (const serializers of [generated, compiled]) {
      expect(serializers.problem).toBe(serializers.serializerFor('getTask', 404, 'application/problem+json'))
      expect(serializers.problem(problem)).toBe(JSON.stringify(problem))
      expect(serializers.problem({ ...problem, stack: 'Error: at handler (secret.ts:1)' })).toBe(JSON.stringify(problem))
    }
  })

  it('write numbers as JSON.stringify does', () => {
    const transaction = serializerOf(generated, 'getTransaction', 200)
    const balance = serializerOf(generated, 'getBalance', 200)
    for (const amount of [-12.5, 0.1 + 0.2, -0, 1e9, -999999999.99, 5e-7]) {
      const body = {
        id: 9007199254740991,
        uri: 'http://localhost:3000/api/v1/transactions/1',
        type: 'expense',
        description: 'Pizza',
        amount,
        created_at: '2026-11-21T10:00:00.000Z',
      }
      expect(transaction(body)).toBe(JSON.stringify(body))
    }
    const totals = { income: 9999999999999.99, expenses: -0.01, balance: 9999999999999.98 }
    expect(balance(totals)).toBe(JSON.stringify(totals))
  })

  it('write the OpenAPI document (a schema open to any property) in its own order, extras included', () => {
    const openApiJson = serializerOf(generated, 'getOpenApiJson', 200)
    const reordered = { paths: {}, 'x-extra': [1], openapi: '3.1.0', info: { title: 't' } }
    expect(openApiJson(reordered)).toBe(JSON.stringify(reordered))
  })
})

/**
 * fast-json-stringify writes an object's required properties first, then the optional
 * ones, each in the schema's order. A schema that lists them so makes "build the object
 * in the schema's order" all a resource mapper needs to know to write the same bytes.
 */
describe('response schemas', () => {
  it('list the required properties of every object before the optional ones', () => {
    const misordered: string[] = []
    for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
      const walk = (node: unknown, at: string): void => {
        if (!node || typeof node !== 'object') return
        const object = node as Json
        if (object.properties && typeof object.properties === 'object') {
          const required = (object.required ?? []) as string[]
          const keys = Object.keys(object.properties)
          const firstOptional = keys.findIndex((k) => !required.includes(k))
          if (firstOptional >= 0 && keys.slice(firstOptional).some((k) => required.includes(k))) misordered.push(at)
        }
        for (const [key, child] of Object.entries(object)) walk(child, `${at}/${key}`)
      }
      walk(schema, name)
    }
    expect(misordered).toEqual([])
  })
})
