/**
 * The spec's paths as a table built once at start-up: which path item a request path
 * names, which of its operations the method picks, and the path parameters, decoded.
 *
 * Why our own: openapi-backend 5.21 matches a request by building a RegExp for every
 * templated path on every request and sorting the matches with lodash (about a tenth of
 * the CPU of a GET before issue 10). The rules are the same, decided once: a literal
 * path (`/goals/tree`) before any template (`/goals/{goalId}`), then the template with
 * the most literal characters; trailing slashes do not count. The path item that matches
 * decides alone: when it lacks the method the answer is 405, never a template's operation
 * for another path item (openapi-backend falls through to one).
 */

/** What the table routes to: an operation (its plan, http/operation-plan.ts), by method and path template. */
export interface Routable {
  /** In any case. */
  readonly method: string
  /** The spec's path template. */
  readonly path: string
}

/** What the layer answers for a method it does not route: HEAD as GET, OPTIONS itself. */
function impliedMethods(declared: readonly string[]): string[] {
  return [...(declared.includes('GET') ? ['HEAD'] : []), 'OPTIONS']
}

interface PathRoute<Entry extends Routable> {
  readonly template: string
  /** Undefined for a literal path. */
  readonly pattern: RegExp | undefined
  /** The names of the template's parameters, in the order the pattern captures them. */
  readonly parameterNames: readonly string[]
  /** Operations by upper-case method. */
  readonly operations: ReadonlyMap<string, Entry>
  /** Every method the path answers, for `Allow`. */
  readonly allowed: readonly string[]
}

export type RouteMatch<Entry extends Routable> =
  | { readonly operation: Entry; readonly route: PathRoute<Entry>; readonly captured?: RegExpExecArray }
  | { readonly operation: undefined; readonly route: PathRoute<Entry> | undefined; readonly captured?: RegExpExecArray }

const TEMPLATE_PARAMETER = /\{([^}]+)\}/g

function escapeRegExp(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function toRoute<Entry extends Routable>(template: string, operations: readonly Entry[]): PathRoute<Entry> {
  const byMethod = new Map(operations.map((operation) => [operation.method.toUpperCase(), operation]))
  const declared = [...byMethod.keys()]
  const parameterNames = [...template.matchAll(TEMPLATE_PARAMETER)].map((match) => match[1] ?? '')
  const pattern =
    parameterNames.length === 0
      ? undefined
      : new RegExp(
          `^${template
            .split(TEMPLATE_PARAMETER)
            .map((part, i) => (i % 2 === 0 ? escapeRegExp(part) : '([^/]+)'))
            .join('')}$`,
        )
  return { template, pattern, parameterNames, operations: byMethod, allowed: [...new Set([...declared, ...impliedMethods(declared)])] }
}

/** The number of literal characters of a template: more is more specific. */
function literalLength(template: string): number {
  return template.replace(TEMPLATE_PARAMETER, '').length
}

/** `/a/b//` → `/a/b`; the root stays `/`. */
function withoutTrailingSlashes(path: string): string {
  let end = path.length
  while (end > 1 && path.charCodeAt(end - 1) === 47) end--
  return end === path.length ? path : path.slice(0, end)
}

/**
 * The one router: the only place that answers 404 (no path item) and 405 (the path item
 * lacks the method); openapi-backend's router never routes (http/openapi-backend/router.ts).
 */
export class RouteTable<Entry extends Routable> {
  private readonly literal = new Map<string, PathRoute<Entry>>()
  private readonly templated: readonly PathRoute<Entry>[]

  constructor(operations: Iterable<Entry>) {
    const byPath = new Map<string, Entry[]>()
    for (const operation of operations) byPath.set(operation.path, [...(byPath.get(operation.path) ?? []), operation])
    const templated: PathRoute<Entry>[] = []
    for (const [template, pathOperations] of byPath) {
      const route = toRoute(template, pathOperations)
      if (route.pattern) templated.push(route)
      else this.literal.set(template, route)
    }
    this.templated = templated.sort((a, b) => literalLength(b.template) - literalLength(a.template))
  }

  /** The path item `path` (without its query) names, if any, with what its template captured. */
  private find(path: string): { readonly route: PathRoute<Entry>; readonly captured?: RegExpExecArray } | undefined {
    const normalized = withoutTrailingSlashes(path)
    const literal = this.literal.get(normalized)
    if (literal) return { route: literal }
    for (const route of this.templated) {
      const captured = route.pattern?.exec(normalized)
      if (captured) return { route, captured }
    }
    return undefined
  }

  /** The operation for `method` on `path`, matched once: its parameters come from the same match ({@link parametersOf}). */
  match(method: string, path: string): RouteMatch<Entry> {
    const found = this.find(path)
    if (!found) return { operation: undefined, route: undefined }
    return { operation: found.route.operations.get(method.toUpperCase()), route: found.route, captured: found.captured } as RouteMatch<Entry>
  }

  /** The methods `path` answers (with HEAD where it has GET, and OPTIONS); none for an unknown path. */
  allowedMethods(path: string): readonly string[] {
    return this.find(path)?.route.allowed ?? []
  }

  /**
   * The path parameters of a match, percent-decoded. Throws URIError on a malformed
   * escape, as openapi-backend's own parser does.
   */
  parametersOf(match: RouteMatch<Entry>): Record<string, string> {
    const parameters: Record<string, string> = {}
    const { route, captured } = match
    if (!route || !captured) return parameters
    const names = route.parameterNames
    for (let i = 0; i < names.length; i++) parameters[names[i] as string] = decodeURIComponent(captured[i + 1] ?? '')
    return parameters
  }
}
