import type { Operation } from 'openapi-backend'
import type { OpenAPIV3_1 } from 'openapi-types'
import { describe, expect, it } from 'vitest'
import { CompiledRouter } from '../../src/http/openapi-backend/router.js'
import { RouteTable } from '../../src/http/route-table.js'

function operation(method: string, path: string, extra: Partial<Operation> = {}): Operation {
  return { method, path, operationId: `${method} ${path}`, responses: {}, parameters: [], security: [], ...extra } as Operation
}

const DOCUMENT: OpenAPIV3_1.Document = { openapi: '3.1.0', info: { title: 't', version: '1' }, components: {} }

const table = new RouteTable([
  operation('get', '/goals/{goalId}'),
  operation('patch', '/goals/{goalId}'),
  operation('get', '/goals/tree'),
  operation('get', '/files/{name}.json'),
  operation('get', '/files/{name}'),
])

describe('RouteTable', () => {
  it('takes a literal path before a template, and answers 405 from the literal path item', () => {
    expect(table.match('GET', '/goals/tree').operation?.operationId).toBe('get /goals/tree')
    const patchTree = table.match('PATCH', '/goals/tree')
    expect(patchTree.operation).toBeUndefined()
    expect(patchTree.route?.allowed).toEqual(['GET', 'HEAD', 'OPTIONS'])
    expect(table.match('PATCH', '/goals/7').operation?.operationId).toBe('patch /goals/{goalId}')
  })

  it('prefers the template with more literal characters, and does not read a dot as any character', () => {
    expect(table.match('GET', '/files/a.json').operation?.operationId).toBe('get /files/{name}.json')
    expect(table.match('GET', '/files/axjson').operation?.operationId).toBe('get /files/{name}')
  })

  it('ignores trailing slashes and knows no other path', () => {
    expect(table.match('GET', '/goals/7//').operation?.operationId).toBe('get /goals/{goalId}')
    expect(table.match('GET', '/goals/7/children')).toEqual({ operation: undefined, route: undefined })
    expect(table.allowedMethods('/nowhere')).toEqual([])
    expect(table.allowedMethods('/goals/1')).toEqual(['GET', 'PATCH', 'HEAD', 'OPTIONS'])
  })

  it('decodes path parameters, and throws URIError on a malformed escape', () => {
    expect(table.parametersOf(table.match('GET', '/goals/a%20b'))).toEqual({ goalId: 'a b' })
    expect(() => table.parametersOf(table.match('GET', '/goals/%ZZ'))).toThrow(URIError)
    expect(table.parametersOf(table.match('GET', '/goals'))).toEqual({})
  })
})

describe('CompiledRouter', () => {
  it('refuses, at construction, parameters its parser does not handle', () => {
    const withCookie = operation('get', '/a', { parameters: [{ name: 'session', in: 'cookie', schema: { type: 'string' } }] })
    const withHeaderDefault = operation('get', '/b', { parameters: [{ name: 'X-Mode', in: 'header', schema: { type: 'string', default: 'x' } }] })
    for (const refused of [withCookie, withHeaderDefault]) {
      expect(() => new CompiledRouter(DOCUMENT, [refused])).toThrow(/needs openapi-backend's own parser/)
    }
  })
})
