/**
 * Each change src/http/openapi-backend/ makes to openapi-backend (and the Ajv and Express
 * behaviour it works around), checked two ways: the library on its own still behaves the
 * way that made the change necessary, and the change still does what it is for. When an
 * upgrade makes one of them unnecessary or wrong, its test here fails and says which
 * workaround to remove or revisit.
 */
import type { AddressInfo } from 'node:net'
import { Ajv, type ValidateFunction } from 'ajv'
import express from 'express'
import { OpenAPIBackend, OpenAPIRouter, OpenAPIValidator, type Operation } from 'openapi-backend'
import type { OpenAPIV3_1 } from 'openapi-types'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { BadRequestError } from '../../src/errors.js'
import { OpenApi31Backend } from '../../src/http/openapi-backend/backend.js'
import { useDecimalMultipleOf } from '../../src/http/openapi-backend/decimal-multiple-of.js'
import { pathParametersOf } from '../../src/http/openapi-backend/path-parameters.js'
import { assertPlainIntegers } from '../../src/http/openapi-backend/plain-integers.js'
import { requestValidation } from '../../src/http/openapi-backend/precompiled-validators.js'
import { compileRequestValidation } from '../../src/http/openapi-backend/request-validation.js'
import { CompiledRouter, useCompiledRouter } from '../../src/http/openapi-backend/router.js'
import { RouteTable } from '../../src/http/route-table.js'

/** A small 3.1 document with what each workaround is about: a nullable type, path and query integers, a decimal `multipleOf`. */
function document(): OpenAPIV3_1.Document {
  // openapi-types' 3.1 types take neither `type: [string, "null"]` in a response nor 3.0's shapes: checked by the library instead.
  const legal31: unknown = {
    openapi: '3.1.0',
    info: { title: 'openapi-backend upgrade checks', version: '1' },
    paths: {
      '/goals/tree': {
        get: {
          operationId: 'getGoalTree',
          responses: {
            // Legal 3.1, refused by the 3.0 meta-schema.
            '200': { description: 'the tree', content: { 'application/json': { schema: { type: ['string', 'null'] } } } },
          },
        },
      },
      '/goals/{goalId}': {
        parameters: [{ name: 'goalId', in: 'path', required: true, schema: { type: 'integer' } }],
        get: {
          operationId: 'getGoal',
          parameters: [{ name: 'page', in: 'query', schema: { type: 'integer' } }],
          responses: { '200': { description: 'the goal', content: { 'application/json': { schema: { type: 'integer' } } } } },
        },
        patch: {
          operationId: 'updateGoal',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { type: 'object', properties: { amount: { type: 'number', multipleOf: 0.01 } } } } },
          },
          responses: { '204': { description: 'updated' } },
        },
      },
    },
  }
  return legal31 as OpenAPIV3_1.Document
}

/** The library as the server sets it up: our options, our router. */
async function ours() {
  const backend = new OpenApi31Backend({ definition: document(), strict: true, validate: true, ...requestValidation() })
  await backend.init()
  const operations = useCompiledRouter(backend)
  const operation = (id: string) => operations.find((o) => o.operationId === id) as Operation
  return { backend, operations, operation }
}

/** openapi-backend's own router over the document, as `init()` builds it. */
async function theirRouter() {
  const { backend } = await ours()
  return new OpenAPIRouter({ definition: backend.definition })
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('the 3.1 meta-schema override (OpenApi31Backend)', () => {
  it('is needed: plain OpenAPIBackend in strict mode still refuses a legal 3.1 document (else remove OpenApi31Backend)', async () => {
    await expect(new OpenAPIBackend({ definition: document(), strict: true }).init()).rejects.toThrow()
  })

  it('works: OpenApi31Backend initialises on it and lists its operations', async () => {
    const backend = new OpenApi31Backend({ definition: document(), strict: true })
    await backend.init()
    expect(backend.router.getOperations().map((o) => o.operationId)).toEqual(['getGoalTree', 'getGoal', 'updateGoal'])
  })
})

describe('validators not precompiled at init (backend.ts, precompiled-validators.ts)', () => {
  it('is needed: the validator still precompiles request, response and response-header validators when built (else drop the prototype patches)', () => {
    const requests = vi.spyOn(OpenAPIValidator.prototype, 'preCompileRequestValidators')
    const responses = vi.spyOn(OpenAPIValidator.prototype, 'preCompileResponseValidators')
    const headers = vi.spyOn(OpenAPIValidator.prototype, 'preCompileResponseHeaderValidators')
    new OpenAPIValidator({ definition: document() as never })
    expect([requests, responses, headers].map((spy) => spy.mock.calls.length)).toEqual([1, 1, 1])
  })

  it('works: nothing is compiled at init, and a response validator is built on first use', async () => {
    const { backend } = await ours()
    expect(backend.validator.responseValidators).toEqual({})
    expect(backend.validator.requestValidators).toEqual({})
    expect(backend.validator.validateResponse(null, 'getGoalTree', 200).errors ?? null).toBeNull()
    expect(backend.validator.validateResponse(7, 'getGoalTree', 200).errors).not.toBeNull()
  })
})

describe('the router serves operations and never routes (CompiledRouter; the route table routes)', () => {
  it("is needed: the library's router still answers a method the path item lacks with another path item's operation, where the spec means 405", async () => {
    const router = await theirRouter()
    // PATCH /goals/tree: the literal path item has no PATCH; the library falls through to /goals/{goalId}.
    expect(router.matchOperation({ method: 'patch', path: '/goals/tree', headers: {} })?.operationId).toBe('updateGoal')
  })

  it('works: the route table answers that request with 405, and the compiled router refuses to match at all', async () => {
    const { backend, operations } = await ours()
    const table = new RouteTable(operations)
    const match = table.match('PATCH', '/goals/tree')
    expect(match.operation).toBeUndefined()
    expect(match.route?.allowed).toEqual(['GET', 'HEAD', 'OPTIONS'])
    expect(backend.router).toBeInstanceOf(CompiledRouter)
    expect(() => backend.router.matchOperation({ method: 'get', path: '/goals/7', headers: {} })).toThrow(/route table/)
  })

  it('works: the library finds operations through validator.router, which is the compiled router (else useCompiledRouter must set another field)', async () => {
    const { backend } = await ours()
    const getOperation = vi.spyOn(CompiledRouter.prototype, 'getOperation')
    backend.validator.validateRequest({ method: 'get', path: '/goals/7', headers: {}, query: {} }, 'getGoal')
    expect(getOperation).toHaveBeenCalledWith('getGoal')
  })
})

describe('malformed percent-escapes in path parameters (path-parameters.ts)', () => {
  it("is needed: the library's parser still decodes with decodeURIComponent and throws URIError on a malformed escape (a 500)", async () => {
    const router = await theirRouter()
    const getGoal = router.getOperation('getGoal') as Operation
    expect(router.parseRequest({ method: 'get', path: '/goals/a%20b', headers: {} }, getGoal).params).toEqual({ goalId: 'a b' })
    expect(() => router.parseRequest({ method: 'get', path: '/goals/%ZZ', headers: {} }, getGoal)).toThrow(URIError)
  })

  it('works: the route table decodes the same way, and a malformed escape is a 400', async () => {
    const table = new RouteTable((await ours()).operations)
    expect(pathParametersOf(table, table.match('GET', '/goals/a%20b'))).toEqual({ goalId: 'a b' })
    expect(() => pathParametersOf(table, table.match('GET', '/goals/%ZZ'))).toThrow(BadRequestError)
  })
})

describe('coerced path parameters and a query read once (request-validation.ts, plain-request.ts)', () => {
  it("is needed: the library's parser gives path parameters as text; only its validators coerce, in place", async () => {
    const { backend } = await ours()
    expect(backend.router.parseRequest({ method: 'get', path: '/goals/7', headers: {} }, backend.router.getOperation('getGoal')).params).toEqual({
      goalId: '7',
    })
    const parts = { path: { goalId: '7' }, query: { page: '2' }, header: {}, cookie: {} }
    for (const validate of backend.validator.getRequestValidatorsForOperation('getGoal') as ValidateFunction[]) validate(parts)
    expect(parts).toMatchObject({ path: { goalId: 7 }, query: { page: 2 } })
  })

  it('is needed: Express 5 still parses req.query afresh on every read, so a coercion written into it is lost', async () => {
    const app = express()
    let seen: { fresh: boolean; kept: unknown } | undefined
    app.get('/q', (req, res) => {
      const query = req.query as Record<string, unknown>
      query.page = 2
      seen = { fresh: req.query !== query, kept: (req.query as Record<string, unknown>).page }
      res.end()
    })
    const server = app.listen(0, '127.0.0.1')
    try {
      await new Promise((resolve) => server.once('listening', resolve))
      await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/q?page=1`)
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
    expect(seen).toEqual({ fresh: true, kept: '1' })
  })

  it('works: compileRequestValidation returns the coerced path and query parameters', async () => {
    const { backend, operation } = await ours()
    const verdict = compileRequestValidation(backend.validator, operation('getGoal'))({ params: { goalId: '7' }, query: { page: '2' }, headers: {}, body: undefined })
    expect(verdict).toEqual({ errors: null, params: { goalId: 7 }, query: { page: 2 } })
  })
})

describe('integer parameters in plain decimal (plain-integers.ts)', () => {
  it.each(['0x2', '2e0', '2.0', ' 2', '002'])(
    "is needed: the library's validators still coerce %j to the integer 2 (else drop assertPlainIntegers)",
    async (spelling) => {
      const { backend, operation } = await ours()
      const verdict = compileRequestValidation(backend.validator, operation('getGoal'))({ params: { goalId: spelling }, query: {}, headers: {}, body: undefined })
      expect(verdict).toMatchObject({ errors: null, params: { goalId: 2 } })
    },
  )

  it('works: those spellings are refused, plain decimal passes', () => {
    const parameters = [{ name: 'goalId', in: 'path' as const }]
    const refusal = (spelling: string) => {
      try {
        assertPlainIntegers(parameters, { goalId: spelling }, {})
        return undefined
      } catch (error) {
        return { status: (error as BadRequestError).status, errors: (error as BadRequestError).errors }
      }
    }
    for (const spelling of ['0x2', '2e0', '2.0', ' 2', '002']) {
      expect(refusal(spelling)).toEqual({ status: 400, errors: [{ parameter: 'goalId', detail: 'must be an integer in plain decimal notation' }] })
    }
    expect(() => assertPlainIntegers(parameters, { goalId: '-20' }, {})).not.toThrow()
  })
})

describe('multipleOf in decimal (decimal-multiple-of.ts)', () => {
  it('is needed: Ajv still decides multipleOf in binary floating point: 0.07 is not a multiple of 0.01 for it', () => {
    expect(new Ajv().compile({ type: 'number', multipleOf: 0.01 })(0.07)).toBe(false)
  })

  it("works: with the server's options the library's validators take 0.07 and refuse 0.071", async () => {
    const { backend, operation } = await ours()
    const validate = compileRequestValidation(backend.validator, operation('updateGoal'))
    const parts = (amount: number) => ({ params: { goalId: '7' }, query: {}, headers: { 'content-type': 'application/json' }, body: { amount } })
    expect(validate(parts(0.07)).errors).toBeNull()
    expect(validate(parts(0.071)).errors?.map((e) => e.keyword)).toEqual(['multipleOf'])
    expect(useDecimalMultipleOf(new Ajv()).compile({ type: 'number', multipleOf: 0.01 })(0.07)).toBe(true)
  })
})
