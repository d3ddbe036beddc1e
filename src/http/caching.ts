/**
 * What caches may do with each response, decided here once for every operation:
 * your own data may be kept but must be revalidated (`private, no-cache`, with its
 * `ETag`), the published spec and reference may be shared for five minutes, and
 * everything else (errors, tokens, health checks, registration) is never stored.
 */

const PRIVATE_REVALIDATE = 'private, no-cache'
const PUBLIC_FIVE_MINUTES = 'public, max-age=300'
export const NO_STORE = 'no-store'

export interface CachePolicyInput {
  readonly method: string
  readonly status: number
  /** The operation needs credentials. */
  readonly secured: boolean
  /** The response carries an `ETag`, so a cache can revalidate it. */
  readonly tagged: boolean
}

export function cacheControlFor({ method, status, secured, tagged }: CachePolicyInput): string {
  if (status >= 400 || !tagged) return NO_STORE
  if (secured) return PRIVATE_REVALIDATE
  return method === 'GET' || method === 'HEAD' ? PUBLIC_FIVE_MINUTES : NO_STORE
}
