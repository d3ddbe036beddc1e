/**
 * openapi-backend's router, replaced by one that serves operations and never routes
 * (why: {@link CompiledRouter}). Part of the adapter (backend.ts lists every change).
 */
import { type OpenAPIBackend, OpenAPIRouter, type Operation } from 'openapi-backend'
import type { OpenAPIV3_1 } from 'openapi-types'

/**
 * openapi-backend's router, serving the operations its own router listed at `init()`. It
 * routes nothing and parses no request: the route table (http/route-table.ts) is the one
 * router, the only place that answers 404 and 405 (the library's matching builds a RegExp
 * per templated path on every call, and falls through to another path item's template
 * where the spec means 405), and {@link compileRequestValidation} validates the parts
 * http/api.ts has already read. What that does not handle, the constructor refuses, so a
 * spec that comes to need it fails at start-up, not at request time: cookie parameters,
 * `explode: false` and `content`-encoded parameters, and header parameters with a default
 * (Ajv would write it into the request's headers, which are validated as they are, not copied).
 */
export class CompiledRouter extends OpenAPIRouter {
  private readonly byId: ReadonlyMap<string, Operation>

  constructor(
    definition: OpenAPIV3_1.Document,
    readonly operations: readonly Operation[],
  ) {
    super({ definition })
    this.byId = new Map(operations.map((operation) => [operation.operationId ?? '', operation]))
    for (const operation of operations) {
      for (const parameter of operation.parameters ?? []) {
        if ('$ref' in parameter) continue
        const headerDefault = parameter.in === 'header' && parameter.schema !== undefined && 'default' in parameter.schema
        if (parameter.in === 'cookie' || parameter.explode === false || parameter.content !== undefined || headerDefault) {
          throw new Error(`${operation.operationId}: parameter ${parameter.name} needs openapi-backend's own parser`)
        }
      }
    }
  }

  override getOperations(): Operation[] {
    return this.operations as Operation[]
  }

  override getOperation(operationId: string): Operation | undefined {
    return this.byId.get(operationId)
  }

  /** Never asked: a request it matched would get the library's 404 or 405, not the route table's. */
  override matchOperation(): never {
    throw new Error("openapi-backend's router does not route here: the route table (http/route-table.ts) does")
  }
}

/**
 * Puts the compiled router in place of the one `init()` built (which reads the operations
 * from the document on every call), and returns the operations it serves.
 */
export function useCompiledRouter(backend: OpenAPIBackend): readonly Operation[] {
  const router = new CompiledRouter(backend.definition as OpenAPIV3_1.Document, backend.router.getOperations())
  backend.router = router
  backend.validator.router = router
  return router.operations
}
