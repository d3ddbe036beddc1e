/**
 * The typed client the package ships (`src/client`, `@achiever/client`) for the tests'
 * happy paths, so that they read as a user of the API writes them. Its requests go out
 * through the test client ({@link ApiClient}), so every response is held to the spec,
 * counted for the coverage gate and, with `PRISM=1`, sent through Prism exactly as the
 * other tests' are. Deliberately malformed requests stay on the test client: the typed
 * client cannot send them.
 */
import { type AchieverClient, createAchieverClient, type LoginResult, login } from '../../src/client/index.js'
import type { ApiClient, RequestOptions } from './client.js'
import type { TestUser } from './server.js'

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i

/**
 * A fetch that sends the typed client's request with `api`. A JSON body goes as `json`
 * (it is the same JSON again: openapi-fetch wrote it with JSON.stringify), so the test
 * client treats it as the well-formed request it is.
 */
function fetchThrough(api: ApiClient): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url)
    const headers: Record<string, string> = {}
    request.headers.forEach((value, name) => {
      if (name !== 'content-type') headers[name] = value
    })
    const contentType = request.headers.get('content-type') ?? undefined
    const text = request.body === null ? '' : await request.text()
    let body: RequestOptions = {}
    if (text !== '' && contentType !== undefined && JSON_MEDIA_TYPE.test(contentType)) body = { json: JSON.parse(text) as unknown, contentType }
    else if (text !== '') body = { raw: text, ...(contentType === undefined ? {} : { contentType }) }
    const res = await api.request(request.method, `${url.pathname}${url.search}`, { ...body, headers })
    return new Response(res.text === '' ? null : res.text, { status: res.status, headers: res.headers })
  }
}

/** The typed client, signed in as `user` with their token (none for the public operations). */
export function typedClient(api: ApiClient, user?: TestUser): AchieverClient {
  return createAchieverClient({ baseUrl: api.baseUrl, fetch: fetchThrough(api), ...(user ? { auth: { bearer: user.token } } : {}) })
}

/** The typed client's `login` (Basic credentials for a token), through the test client. */
export function typedLogin(api: ApiClient, username: string, password: string): Promise<LoginResult> {
  return login({ baseUrl: api.baseUrl, fetch: fetchThrough(api), username, password })
}

/** What a test reads of an answer: the status, the headers and the body, as the test client gives them. */
export interface Answer<T> {
  readonly status: number
  readonly headers: Headers
  readonly body: T
}

/**
 * A typed call's successful answer in the test client's shape, so a happy path reads the
 * same whichever client sent it. An answer without data (a problem) throws with it.
 */
export function answerOf<T>(result: { readonly data?: T; readonly error?: unknown; readonly response: Response }): Answer<T> {
  if (result.data === undefined) throw new Error(`expected data, got ${result.response.status} ${JSON.stringify(result.error)}`)
  return { status: result.response.status, headers: result.response.headers, body: result.data }
}
