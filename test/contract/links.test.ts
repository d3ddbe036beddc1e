/**
 * The stateful walk: every create in the spec declares OpenAPI `links` to the
 * operations that read, change and delete what it made. For each create, this follows
 * them: create, read (the same resource), change, read again, delete, and read once more,
 * which must be 404. Parameters come from the links' own runtime expressions.
 */
import { describe, expect, it } from 'vitest'
import type { RequestOptions } from '../support/client.js'
import { Contract } from '../support/contract.js'
import { VALID_REQUESTS } from '../support/operation-requests.js'
import { signUp, useTestServer } from '../support/server.js'

const contract = new Contract()

interface Link {
  readonly operationId: string
  readonly parameters?: Record<string, string>
}

/** Each create (an operation with a 201) and the links of its 201 response. */
const creates = contract
  .operations()
  .map(({ operationId, method, operation }) => {
    const created = contract.resolve((operation.responses as Record<string, never>)['201'])
    return { operationId, method, links: Object.values((created?.links ?? {}) as unknown as Record<string, Link>) }
  })
  .filter(({ method, links }) => method === 'POST' && links.length > 0)

const byId = new Map(contract.operations().map((op) => [op.operationId, op]))

/** `$response.body#/id` and the like, read from the create's response body. */
function evaluate(expression: string, body: Record<string, unknown>): string {
  const match = /^\$response\.body#\/(.+)$/.exec(expression)
  if (!match?.[1]) throw new Error(`unsupported runtime expression ${expression}`)
  return String(body[match[1]])
}

const server = useTestServer()

it('every create but the token (a secret, not a resource) links to its read and its delete', () => {
  const withLinks = new Set(creates.map((c) => c.operationId))
  const allCreates = contract.operations().filter((op) => op.method === 'POST' && contract.declaredStatuses(op.operationId).includes(201))
  expect(allCreates.map((op) => op.operationId).filter((id) => !withLinks.has(id))).toEqual(['createToken'])
  for (const { operationId, links } of creates) {
    const methods = links.map((link) => byId.get(link.operationId)?.method)
    expect(methods, operationId).toContain('GET')
    expect(methods, operationId).toContain('DELETE')
  }
})

describe.each(creates)('the links of $operationId', ({ operationId, links }) => {
  it('lead to a read of the same resource, a change, a delete, and then 404', async () => {
    const user = await signUp(server.api)
    const plan = VALID_REQUESTS[operationId]
    if (!plan) throw new Error(`no valid request for ${operationId}`)
    const create = await plan(user, server.api)
    const createdRes = await server.api.request<Record<string, unknown>>(create.method, create.path, create.options)
    expect(createdRes.status, createdRes.text).toBe(201)
    const created = createdRes.body
    // A new user is reached with their own credentials; everything else with the creator's.
    const sent = create.options.json as Record<string, string> | undefined
    const auth: RequestOptions['auth'] = operationId === 'createUser' && sent ? { basic: [sent.username ?? '', sent.password ?? ''] } : user.bearer

    const target = (link: Link) => {
      const op = byId.get(link.operationId)
      if (!op) throw new Error(`link to unknown operation ${link.operationId}`)
      let path = op.path
      for (const [name, expression] of Object.entries(link.parameters ?? {})) path = path.replace(`{${name}}`, evaluate(expression, created))
      expect(path, `${link.operationId} has every path parameter from the link`).not.toMatch(/\{/)
      return { op, path }
    }
    const reads = links.filter((l) => byId.get(l.operationId)?.method === 'GET').map(target)
    const changes = links.filter((l) => ['PUT', 'PATCH'].includes(byId.get(l.operationId)?.method ?? '')).map(target)
    const deletes = links.filter((l) => byId.get(l.operationId)?.method === 'DELETE').map(target)

    for (const { op, path } of reads) {
      const read = await server.api.get<Record<string, unknown>>(path, { auth })
      expect(read.status, read.text).toBe(200)
      expect(read.operationId).toBe(op.operationId)
      expect(read.body).toEqual(created)
    }
    for (const { op, path } of changes) {
      // The body of a valid request for that operation, sent to the linked resource.
      const example = await (VALID_REQUESTS[op.operationId] ?? plan)(user, server.api)
      const changed = await server.api.request<Record<string, unknown>>(op.method, path, { ...example.options, auth })
      expect(changed.status, changed.text).toBe(200)
      expect(changed.operationId).toBe(op.operationId)
      expect(changed.body.id).toBe(created.id)
      for (const { path: readPath } of reads) expect((await server.api.get(readPath, { auth })).body).toEqual(changed.body)
    }
    for (const { op, path } of deletes) {
      const deleted = await server.api.request(op.method, path, { auth })
      expect(deleted.status, deleted.text).toBe(204)
      expect(deleted.operationId).toBe(op.operationId)
    }
    for (const { path } of reads) {
      // A deleted user's credentials no longer work; anything else is simply gone.
      const gone = await server.api.get(path, { auth })
      expect(gone.status).toBe(operationId === 'createUser' ? 401 : 404)
    }
  })
})
