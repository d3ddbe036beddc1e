/**
 * The fuzzer's model of the operations, read from `openapi.yaml` alone: parameters, bodies
 * and media types, the schemes each takes, the statuses it declares, and which operations
 * make the ids a path parameter names (from the spec's links). Nothing here names an
 * operation.
 */
import { Contract } from '../support/contract.js'
import { isRecord } from '../support/json-text.js'
import { resolveSchema, type Schema, validatorFor } from '../support/schemas.js'

/** The spec, read once per test process (the test client checks responses against its own copy). */
const contract = new Contract()
export const root: object = contract.document
/** Validates as the server does (the same Ajv setup), against `root`. */
export const validator = validatorFor(root)

type Location = 'path' | 'query' | 'header' | 'cookie'
export type Scheme = 'basic' | 'bearer'

export interface ParameterModel {
  readonly name: string
  readonly in: Location
  readonly required: boolean
  readonly schema: Schema
}

export interface OperationModel {
  readonly id: string
  readonly method: string
  readonly path: string
  readonly parameters: readonly ParameterModel[]
  readonly body: { readonly required: boolean; readonly media: ReadonlyArray<{ type: string; schema: Schema }> } | undefined
  /** The schemes it takes; empty for a public operation. */
  readonly auth: readonly Scheme[]
  readonly declared: ReadonlySet<number>
  /** GET and HEAD change nothing (RFC 9110), so they may use shared resources. */
  readonly safe: boolean
  readonly responses: Readonly<Record<string, unknown>>
}

export function record(value: unknown): Readonly<Record<string, unknown>> {
  return isRecord(value) ? value : {}
}

export function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : []
}

function parametersOf(path: string, operation: Readonly<Record<string, unknown>>): ParameterModel[] {
  const byKey = new Map<string, ParameterModel>()
  // Operation-level parameters override path-level ones with the same name and location.
  for (const node of [...list(record(record(record(root).paths)[path]).parameters), ...list(operation.parameters)]) {
    const p = resolveSchema(node, root)
    const where = String(p.in) as Location
    byKey.set(`${where}:${String(p.name)}`, {
      name: String(p.name),
      in: where,
      required: p.required === true || where === 'path',
      schema: resolveSchema(p.schema, root),
    })
  }
  return [...byKey.values()]
}

function authOf(id: string, operation: Readonly<Record<string, unknown>>): Scheme[] {
  const requirements = list(operation.security ?? record(root).security).map(record)
  if (requirements.length === 0 || requirements.some((r) => Object.keys(r).length === 0)) return []
  const schemes = record(record(record(root).components).securitySchemes)
  const usable = requirements.flatMap((requirement): Scheme[] => {
    const names = Object.keys(requirement)
    const scheme = names.length === 1 ? resolveSchema(schemes[names[0] ?? ''], root) : {}
    if (scheme.type !== 'http' || typeof scheme.scheme !== 'string') return []
    const name = scheme.scheme.toLowerCase()
    return name === 'basic' || name === 'bearer' ? [name] : []
  })
  if (usable.length === 0) throw new Error(`${id}: no security requirement that HTTP Basic or a Bearer token satisfies`)
  return [...new Set(usable)]
}

export const operations: OperationModel[] = contract.operations().map(({ operationId, method, path, operation }) => {
  const body = resolveSchema(operation.requestBody, root)
  const content = record(body.content)
  return {
    id: operationId,
    method,
    path,
    parameters: parametersOf(path, operation),
    body:
      operation.requestBody === undefined
        ? undefined
        : { required: body.required === true, media: Object.entries(content).map(([type, media]) => ({ type, schema: resolveSchema(record(media).schema, root) })) },
    auth: authOf(operationId, operation),
    declared: new Set(contract.declaredStatuses(operationId)),
    safe: method === 'GET' || method === 'HEAD',
    responses: record(operation.responses),
  }
})

/**
 * Where ids for a path parameter come from: the operations whose success responses link
 * to it (`links: ... parameters: {taskId: $response.body#/id}`), read from the spec.
 */
export interface Producer {
  readonly op: OperationModel
  /** JSON Pointer to the id in the producer's response body. */
  readonly pointer: string
}

export const producers = new Map<string, Producer[]>()
for (const op of operations) {
  for (const [status, response] of Object.entries(op.responses)) {
    if (!status.startsWith('2')) continue
    for (const link of Object.values(record(resolveSchema(response, root).links))) {
      for (const [name, expression] of Object.entries(record(resolveSchema(link, root).parameters))) {
        if (typeof expression !== 'string' || !expression.startsWith('$response.body#')) continue
        // A producer that needs ids itself (a nested collection) would need its own parent first.
        if (op.parameters.some((p) => p.in === 'path')) continue
        const known = producers.get(name) ?? []
        if (!known.some((p) => p.op === op)) producers.set(name, [...known, { op, pointer: expression.slice('$response.body#'.length) }])
      }
    }
  }
}
