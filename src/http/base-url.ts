/**
 * The base URL of absolute URLs in responses (`uri` fields, `Location`, `Link`): the
 * configured `PUBLIC_URL`, or the request's own Host, checked to look like one.
 */
import type { AppDeps } from '../deps.js'
import { BadRequestError } from '../errors.js'
import type { HttpExchange } from './exchange.js'

/**
 * The longest Host: a DNS name (253 characters) with a port. It bounds every URL built on
 * it (`uri`, `Location`, `Link`) within the lengths the spec declares.
 */
const MAX_HOST_LENGTH = 253 + ':65535'.length

/** A host name, IPv4 or bracketed IPv6 address, with an optional port. */
const SANE_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/

/**
 * `scheme://host[:port]` for absolute URLs in responses: `PUBLIC_URL` when configured,
 * otherwise the request's own Host, which must then look like one, since it ends up in
 * `uri` fields and in `Location` and `Link` headers.
 */
export function baseUrlOf(exchange: HttpExchange, deps: AppDeps): string {
  if (deps.config.publicUrl) return deps.config.publicUrl
  const host = exchange.req.get('host') ?? ''
  const protocol = exchange.req.protocol
  // Clients keep sending the same Host: the last one checked is not checked again.
  if (host === lastSaneHost.host && protocol === lastSaneHost.protocol) return lastSaneHost.baseUrl
  if (host.length > MAX_HOST_LENGTH || !SANE_HOST.test(host) || (protocol !== 'http' && protocol !== 'https')) {
    throw new BadRequestError('The Host header is not a valid host name.', [{ parameter: 'Host', detail: 'is not a valid host name' }])
  }
  lastSaneHost = { host, protocol, baseUrl: `${protocol}://${host}` }
  return lastSaneHost.baseUrl
}

let lastSaneHost = { host: '', protocol: '', baseUrl: '' }
