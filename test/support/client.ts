/**
 * A small HTTP client for the tests, over real HTTP (fetch). Every response it receives
 * is checked against the spec before the test sees it: a response that breaks the
 * contract fails the test that caused it.
 */
import { Contract } from './contract.js'

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

export class ApiClient {
  readonly contract: Contract

  constructor(readonly baseUrl: string) {
    sharedContract ??= new Contract()
    this.contract = sharedContract
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

    const response = await fetch(new URL(path, this.baseUrl), { method, headers, body })
    const text = await response.text()
    const observed = { method, path: new URL(path, this.baseUrl).pathname, status: response.status, headers: response.headers, text }
    const matched = this.contract.check(observed)
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
