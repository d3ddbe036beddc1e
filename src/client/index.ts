/**
 * The typed TypeScript client for the Achiever API (`@achiever/client`, packed by packages/client).
 *
 * It is openapi-fetch over the types that openapi-typescript generates from
 * `openapi.yaml`: paths, parameters, bodies, `data` and `error` are all checked against
 * the spec at compile time, and there is no generated runtime code to drift from it.
 * What it adds is authentication and the names a caller needs (`Problem`, the schemas).
 *
 * ```ts
 * const api = createAchieverClient({ baseUrl: 'http://localhost:3000', auth: { bearer: token } })
 * const { data, error } = await api.GET('/api/v1/tasks/{taskId}', { params: { path: { taskId: 1 } } })
 * if (error) console.log(error.code, error.detail) // error is a Problem
 * else console.log(data.title) // data is a Task
 * ```
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch'
import type { components, operations, paths } from '../../generated/openapi.js'
import { type Auth, authMiddleware } from './auth.js'

export { type Auth, basicAuthorization, type TokenSource } from './auth.js'
export type { components, operations, paths }

/** Every schema of the spec by name, e.g. `Schemas['Task']`. */
export type Schemas = components['schemas']
/** An RFC 9457 problem: the body of every error response the API declares. */
export type Problem = Schemas['Problem']
export type ProblemCode = Schemas['ProblemCode']
export type FieldError = Schemas['FieldError']
export type Token = Schemas['Token']

/** The client: openapi-fetch's `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `use`, typed by the spec. */
export type AchieverClient = Client<paths>

export interface AchieverClientOptions {
  /** The server's absolute origin, e.g. `http://localhost:3000`; paths start with `/api/v1`. */
  readonly baseUrl: string
  /** Credentials for every request; none for the public operations (register, health, docs). */
  readonly auth?: Auth
  /** A fetch to use instead of the global one (to add retries, tracing, or checks in tests). */
  readonly fetch?: ClientOptions['fetch']
  /** Headers sent with every request (an `Authorization` here takes the place of `auth`). */
  readonly headers?: ClientOptions['headers']
}

export function createAchieverClient(options: AchieverClientOptions): AchieverClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  })
  if (options.auth) client.use(authMiddleware(options.auth))
  return client
}

export interface LoginOptions extends Omit<AchieverClientOptions, 'auth'> {
  readonly username: string
  readonly password: string
}

/** A signed-in client with its token, or the problem that stopped it, with the raw response either way. */
export type LoginResult =
  | { readonly client: AchieverClient; readonly token: Token; readonly error?: never; readonly response: Response }
  | { readonly client?: never; readonly token?: never; readonly error: Problem; readonly response: Response }

/**
 * Trades a username and password for a token (`POST /api/v1/tokens`, HTTP Basic) and
 * returns a client that sends the token, so the password is sent once, not with every
 * request. The token expires at `token.expires_at`; log in again after that (or build
 * a client with a `bearer` function that returns a fresh one). A wrong password is an
 * `UNAUTHORIZED` problem, too many of them `TOO_MANY_REQUESTS`.
 */
export async function login(options: LoginOptions): Promise<LoginResult> {
  const { username, password, ...clientOptions } = options
  const basic = createAchieverClient({ ...clientOptions, auth: { basic: { username, password } } })
  const { data, error, response } = await basic.POST('/api/v1/tokens')
  if (error) return { error, response }
  return { client: createAchieverClient({ ...clientOptions, auth: { bearer: data.token } }), token: data, response }
}

/**
 * Whether a value has the shape of a {@link Problem}. The `error` of a call is typed as
 * a Problem because the spec declares nothing else, but something between you and the
 * server (a proxy's 502 page) can still answer with another body; check with this where
 * that matters. It checks the required members' types, not the whole schema: `code` may
 * be any string, so a code newer than your copy of the spec still counts.
 */
export function isProblem(value: unknown): value is Problem {
  return (
    typeof value === 'object' &&
    value !== null &&
    'type' in value &&
    typeof value.type === 'string' &&
    'title' in value &&
    typeof value.title === 'string' &&
    'status' in value &&
    typeof value.status === 'number' &&
    'detail' in value &&
    typeof value.detail === 'string' &&
    'code' in value &&
    typeof value.code === 'string'
  )
}

export { type ListItem, ListPageError, type ListPath, type ListQuery, listAll, nextLink } from './paginate.js'
