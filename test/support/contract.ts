/**
 * Holds every response the tests see to `openapi.yaml`: the status must be declared on
 * the operation, the Content-Type must be one the spec gives for that status, the body
 * must match its schema, and required headers must be there. Requests that match no
 * operation must get a problem (404, or 405 with `Allow`). A JSON body must also be
 * what the server's compiled serializer for that response writes of it, byte for byte
 * the same as `JSON.stringify` (src/http/response-serializers.ts).
 */
import { readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { parse } from 'yaml'
import { createResponseSerializers, type ResponseSerializers } from '../../src/http/response-serializers.js'
import { loadSpec } from '../../src/spec/spec.js'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

export interface ObservedResponse {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly headers: Headers
  readonly text: string
}

export interface OperationMatch {
  readonly operationId: string
  readonly pathTemplate: string
}

const SPEC_ID = 'https://achiever.test/openapi.json'
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

function pointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1')
}

export class ContractViolation extends Error {}

export class Contract {
  readonly document: JsonObject
  private readonly ajv: Ajv2020
  private readonly compiled = new Map<string, ValidateFunction>()
  private readonly paths: Array<{ template: string; pattern: RegExp }>
  private readonly rootDir: string
  private serializers?: ResponseSerializers

  constructor(specPath = fileURLToPath(new URL('../../openapi.yaml', import.meta.url))) {
    this.rootDir = dirname(specPath)
    this.document = parse(readFileSync(specPath, 'utf8')) as JsonObject
    this.ajv = new Ajv2020({ strict: false, allErrors: true })
    addFormats.default(this.ajv)
    this.ajv.addSchema({ ...this.document, $id: SPEC_ID } as object)
    const templates = Object.keys(this.pathItems())
    templates.sort((a, b) => Number(a.includes('{')) - Number(b.includes('{')))
    this.paths = templates.map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
    }))
  }

  private pathItems(): Record<string, JsonObject> {
    return this.document.paths as Record<string, JsonObject>
  }

  /** Follows a local `$ref` (`#/components/...`) to what it names. */
  resolve(node: Json | undefined): JsonObject | undefined {
    let current = node
    while (current && typeof current === 'object' && !Array.isArray(current) && typeof current.$ref === 'string') {
      current = current.$ref
        .slice(2)
        .split('/')
        .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))
        .reduce<Json | undefined>((at, key) => (at && typeof at === 'object' && !Array.isArray(at) ? at[key] : undefined), this.document)
    }
    return current && typeof current === 'object' && !Array.isArray(current) ? current : undefined
  }

  /** Every (operationId, method, path) in the spec. */
  operations(): Array<{ operationId: string; method: string; path: string; operation: JsonObject }> {
    return Object.entries(this.pathItems()).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((method) => {
        const operation = item[method] as JsonObject
        return { operationId: String(operation.operationId), method: method.toUpperCase(), path, operation }
      }),
    )
  }

  /** The statuses an operation declares, as numbers. */
  declaredStatuses(operationId: string): number[] {
    const found = this.operations().find((op) => op.operationId === operationId)
    if (!found) throw new Error(`no operation ${operationId}`)
    return Object.keys(found.operation.responses as JsonObject).map(Number)
  }

  match(method: string, path: string): { template: string; operation?: JsonObject; allowed: string[] } | undefined {
    const found = this.paths.find((p) => p.pattern.test(path))
    if (!found) return undefined
    const item = this.pathItems()[found.template] ?? {}
    const declared = METHODS.filter((m) => item[m]).map((m) => m.toUpperCase())
    // The server answers HEAD wherever there is a GET, and OPTIONS on every path.
    const allowed = [...new Set([...declared, ...(declared.includes('GET') ? ['HEAD'] : []), 'OPTIONS'])]
    // HEAD is GET without the body.
    const operation = item[method === 'HEAD' ? 'get' : method.toLowerCase()] as JsonObject | undefined
    return operation ? { template: found.template, operation, allowed } : { template: found.template, allowed }
  }

  private validatorAt(pointer: string): ValidateFunction {
    let validate = this.compiled.get(pointer)
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${SPEC_ID}#${pointer}` })
      this.compiled.set(pointer, validate)
    }
    return validate
  }

  private checkBody(where: string, pointer: string, body: unknown): void {
    const validate = this.validatorAt(pointer)
    if (!validate(body)) {
      throw new ContractViolation(`${where}: body breaks the schema: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`)
    }
  }

  private checkProblem(where: string, observed: ObservedResponse): void {
    // A HEAD response carries the headers of the problem but not its body.
    if (observed.method === 'HEAD') {
      if (observed.text !== '') throw new ContractViolation(`${where}: a HEAD response has no body`)
      return
    }
    const mediaType = observed.headers.get('content-type')?.split(';')[0]
    if (mediaType !== 'application/problem+json') throw new ContractViolation(`${where}: Content-Type ${mediaType}, expected application/problem+json`)
    const body = JSON.parse(observed.text) as JsonObject
    this.checkBody(where, '/components/schemas/Problem', body)
    if (body.status !== observed.status) throw new ContractViolation(`${where}: problem status ${String(body.status)} differs from ${observed.status}`)
  }

  /** Throws a {@link ContractViolation} for any way the response breaks the spec; returns the operation matched. */
  check(observed: ObservedResponse): OperationMatch | undefined {
    const where = `${observed.method} ${observed.path} -> ${observed.status}`
    const requestId = observed.headers.get('x-request-id')
    if (!requestId || !/^[A-Za-z0-9._:-]{1,128}$/.test(requestId)) throw new ContractViolation(`${where}: no sane X-Request-Id`)

    const matched = this.match(observed.method, observed.path)
    if (!matched) {
      if (observed.status !== 404) throw new ContractViolation(`${where}: unknown path must be 404`)
      this.checkProblem(where, observed)
      return undefined
    }
    if (observed.method === 'OPTIONS') {
      if (observed.status !== 204) throw new ContractViolation(`${where}: OPTIONS on a known path must be 204`)
      if (observed.headers.get('allow') !== matched.allowed.join(', ')) throw new ContractViolation(`${where}: Allow is ${observed.headers.get('allow')}`)
      return undefined
    }
    if (!matched.operation) {
      if (observed.status !== 405) throw new ContractViolation(`${where}: undeclared method must be 405`)
      if (observed.headers.get('allow') !== matched.allowed.join(', ')) throw new ContractViolation(`${where}: Allow is ${observed.headers.get('allow')}`)
      this.checkProblem(where, observed)
      return undefined
    }

    const operationId = String(matched.operation.operationId)
    const responses = matched.operation.responses as JsonObject
    const statusKey = String(observed.status)
    if (!(statusKey in responses)) throw new ContractViolation(`${where}: ${operationId} does not declare status ${statusKey}`)
    const response = this.resolve(responses[statusKey])
    if (!response) throw new ContractViolation(`${where}: unresolvable response`)

    const responsePointer = this.responsePointer(matched.template, observed.method, statusKey, responses[statusKey])
    for (const [name, header] of Object.entries((response.headers ?? {}) as JsonObject)) {
      const resolved = this.resolve(header)
      const value = observed.headers.get(name)
      if (value === null) {
        if (resolved?.required === true) throw new ContractViolation(`${where}: required header ${name} is missing`)
        continue
      }
      this.checkHeader(where, name, value, this.headerSchemaPointer(responsePointer, name, header))
    }

    const content = response.content as JsonObject | undefined
    if (observed.method === 'HEAD') {
      if (observed.text !== '') throw new ContractViolation(`${where}: a HEAD response has no body`)
      return { operationId, pathTemplate: matched.template }
    }
    if (!content) {
      if (observed.text !== '') throw new ContractViolation(`${where}: the spec declares no body, got ${observed.text.slice(0, 100)}`)
      return { operationId, pathTemplate: matched.template }
    }
    const mediaType = observed.headers.get('content-type')?.split(';')[0]?.trim() ?? ''
    if (!(mediaType in content)) throw new ContractViolation(`${where}: Content-Type ${mediaType} is not one of ${Object.keys(content).join(', ')}`)
    const body: unknown = /[/+]json$/.test(mediaType) ? JSON.parse(observed.text) : observed.text
    this.checkBody(where, `${responsePointer}/content/${pointerToken(mediaType)}/schema`, body)
    if (mediaType === 'application/problem+json') this.checkProblem(where, observed)
    if (typeof body !== 'string') this.checkSerialized(where, { operationId, status: observed.status, mediaType }, body)
    return { operationId, pathTemplate: matched.template }
  }

  /** `body` (valid) is written by the compiled serializer for its response as `JSON.stringify` writes it. */
  private checkSerialized(where: string, response: { operationId: string; status: number; mediaType: string }, body: unknown): void {
    this.serializers ??= createResponseSerializers(loadSpec(this.rootDir))
    const serialize = this.serializers.serializerFor(response.operationId, response.status, response.mediaType)
    if (!serialize) throw new ContractViolation(`${where}: no compiled serializer for this ${response.mediaType} body`)
    const written = serialize(body)
    const expected = JSON.stringify(body)
    if (written !== expected)
      throw new ContractViolation(`${where}: the compiled serializer writes\n${written.slice(0, 500)}\nwhere JSON.stringify writes\n${expected.slice(0, 500)}`)
  }

  /**
   * A header's value against its schema (its length, pattern, enum, range): a header is
   * text on the wire, read as a number where the schema says integer.
   */
  private checkHeader(where: string, name: string, value: string, schemaPointer: string): void {
    const schema = this.resolve({ $ref: `#${schemaPointer}` })
    const numeric = schema?.type === 'integer' && /^-?\d+$/.test(value)
    const validate = this.validatorAt(schemaPointer)
    if (!validate(numeric ? Number(value) : value)) {
      throw new ContractViolation(
        `${where}: header ${name} breaks its schema: ${this.ajv.errorsText(validate.errors)} (${value.length} characters: ${value.slice(0, 200)})`,
      )
    }
  }

  /** Where a response header's schema lives, following the header's `$ref` if it has one. */
  private headerSchemaPointer(responsePointer: string, name: string, header: Json | undefined): string {
    if (header && typeof header === 'object' && !Array.isArray(header) && typeof header.$ref === 'string') return `${header.$ref.slice(1)}/schema`
    return `${responsePointer}/headers/${pointerToken(name)}/schema`
  }

  /** Where the response object lives in the document, following one `$ref` if there is one. */
  private responsePointer(template: string, method: string, status: string, node: Json | undefined): string {
    if (node && typeof node === 'object' && !Array.isArray(node) && typeof node.$ref === 'string') return node.$ref.slice(1)
    return `/paths/${pointerToken(template)}/${method.toLowerCase()}/responses/${status}`
  }
}
