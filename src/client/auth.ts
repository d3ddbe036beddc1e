/**
 * Credentials for the SDK, applied as an openapi-fetch middleware so that every call
 * (typed or not) carries them without each call site building an Authorization header.
 */
import type { Middleware } from 'openapi-fetch'

/** Returns the token to send now, or `undefined` to send the request without one. */
export type TokenSource = () => string | undefined | Promise<string | undefined>

/**
 * How the client authenticates: HTTP Basic with a username and password (the only way
 * to get a token), or a Bearer token. A function as `bearer` is asked before every
 * request, so a client can outlive one token (tokens expire, one hour by default).
 */
export type Auth = { readonly basic: { readonly username: string; readonly password: string } } | { readonly bearer: string | TokenSource }

/**
 * Base64 of the UTF-8 bytes. `btoa` alone takes Latin-1 only and throws on anything
 * else, but the server decodes Basic credentials as UTF-8 (RFC 7617 `charset="UTF-8"`),
 * so a password like `pässwört` must be encoded the same way. Works in Node and browsers.
 */
function base64Utf8(text: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/** The `Authorization` value for HTTP Basic. */
export function basicAuthorization(username: string, password: string): string {
  // RFC 7617: the first colon ends the user-id, so one inside it would log in as someone else.
  if (username.includes(':')) throw new TypeError('A Basic username cannot contain ":"')
  return `Basic ${base64Utf8(`${username}:${password}`)}`
}

async function authorizationFor(auth: Auth): Promise<string | undefined> {
  if ('basic' in auth) return basicAuthorization(auth.basic.username, auth.basic.password)
  const token = typeof auth.bearer === 'function' ? await auth.bearer() : auth.bearer
  return token === undefined ? undefined : `Bearer ${token}`
}

/**
 * Sets `Authorization` on each request that does not carry one already, so a single
 * call can still send other credentials through its own `headers`.
 */
export function authMiddleware(auth: Auth): Middleware {
  return {
    async onRequest({ request }) {
      if (request.headers.has('Authorization')) return undefined
      const value = await authorizationFor(auth)
      if (value !== undefined) request.headers.set('Authorization', value)
      return request
    },
  }
}
