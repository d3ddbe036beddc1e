/**
 * A small HTTP client for the tests, over real HTTP (fetch). Every response it receives
 * is checked against the spec before the test sees it: a response that breaks the
 * contract fails the test that caused it.
 */
import { Contract, ContractViolation } from './contract.js'
import { exercised } from './coverage.js'
import { responseViolations } from './prism.js'

export type Credentials = { basic: readonly [string, string] } | { bearer: string } | { authorization: string }

export interface RequestOptions {
  /** Sent as `application/json` unless `contentType` says otherwise. */
  readonly json?: unknown
  /** Sent as `application/x-www-form-urlencoded`. */
  readonly form?: Record<string, string | readonly string[]>
  /** Sent as is, with `contentType` (if any). */
  readonly raw?: string | Uint8Array
  readonly contentType?: string
  readonly auth?: Credentials
  readonly headers?: Record<string, string>
}

export interface ApiResponse<T = unknown> {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** Parsed JSON when the response is JSON, otherwise undefined. */
  readonly body: T
  /** The spec operation that answered, if any. */
  readonly operationId: string | undefined
}

let sharedContract: Contract | undefined

function authorization(auth: Credentials): string {
  if ('basic' in auth) return `Basic ${Buffer.from(`${auth.basic[0]}:${auth.basic[1]}`).toString('base64')}`
  if ('bearer' in auth) return `Bearer ${auth.bearer}`
  return auth.authorization
}

export interface ApiClientOptions {
  /**
   * A validating proxy (Prism) to send requests through; its response violations fail
   * the request (see `proxiable` for the requests that go straight to the server).
   */
  readonly via?: string
}

export class ApiClient {
  readonly contract: Contract
  private readonly via: string | undefined

  constructor(
    readonly baseUrl: string,
    options: ApiClientOptions = {},
  ) {
    sharedContract ??= new Contract()
    this.contract = sharedContract
    this.via = options.via
  }

  /**
   * Whether the proxy can carry a request faithfully. Prism answers some requests itself
   * or mangles them, so these go straight to the server: a `raw` body (the malformed
   * ones), a top-level JSON string (forwarded without its quotes), an oversized header
   * block, a path that is not valid percent-encoding (it stops Prism), HEAD and OPTIONS (not operations in the
   * spec), and any method and path the spec has no operation for (Prism routes them to
   * a neighbouring template and then judges our 405 by that operation).
   */
  private proxiable(method: string, path: string, options: RequestOptions): boolean {
    const json = options.json
    if (options.raw !== undefined || (json !== undefined && (typeof json !== 'object' || json === null))) return false
    if (method === 'HEAD' || method === 'OPTIONS') return false
    // Prism's own HTTP parser answers an oversized header block before we could.
    if (Object.values(options.headers ?? {}).some((value) => value.length > 8192)) return false
    const pathname = new URL(path, this.baseUrl).pathname
    try {
      decodeURIComponent(pathname)
    } catch {
      return false
    }
    return this.contract.match(method, pathname)?.operation !== undefined
  }

  /** Where to send a request for `path`: through the proxy when there is one and it can carry it. */
  private target(path: string, proxiable: boolean): URL {
    const url = new URL(path, this.baseUrl)
    if (this.via === undefined || !proxiable || url.origin !== new URL(this.baseUrl).origin) return url
    return new URL(`${url.pathname}${url.search}`, this.via)
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers }
    let body: string | Uint8Array | undefined
    if (options.json !== undefined) {
      body = JSON.stringify(options.json)
      headers['content-type'] = options.contentType ?? 'application/json'
    } else if (options.form !== undefined) {
      const params = new URLSearchParams()
      for (const [name, value] of Object.entries(options.form)) {
        for (const v of typeof value === 'string' ? [value] : value) params.append(name, v)
      }
      body = params.toString()
      headers['content-type'] = options.contentType ?? 'application/x-www-form-urlencoded'
    } else if (options.raw !== undefined) {
      body = options.raw
      if (options.contentType) headers['content-type'] = options.contentType
    }
    if (options.auth) headers.authorization = authorization(options.auth)

    const target = this.target(path, this.proxiable(method, path, options))
    const response = await fetch(target, { method, headers, body })
    const text = await response.text()
    const observed = { method, path: target.pathname, status: response.status, headers: response.headers, text }
    const violations = target.origin === this.via ? responseViolations(response.headers) : []
    if (violations.length > 0) {
      throw new ContractViolation(`${method} ${target.pathname} -> ${response.status}: Prism reports ${violations.join('; ')}`)
    }
    const matched = this.contract.check(observed)
    exercised(matched?.operationId, response.status)
    const isJson = /[/+]json/.test(response.headers.get('content-type') ?? '')
    return { status: response.status, headers: response.headers, text, body: (isJson && text ? JSON.parse(text) : undefined) as T, operationId: matched?.operationId }
  }

  get<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, options)
  }
  post<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T>('POST', path, options)
  }
  put<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T>('PUT', path, options)
  }
  patch<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T>('PATCH', path, options)
  }
  delete<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, options)
  }
}
