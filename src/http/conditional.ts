/**
 * Conditional requests (RFC 9110 §13): strong entity tags computed from the bytes of a
 * representation, `If-None-Match` on reads (304) and `If-Match` on writes (412).
 * Hashing the representation, rather than keeping a version column, makes a tag change
 * exactly when what the client would see changes: a list's tag moves with any item on
 * its page and with its total, a resource's with any field.
 */
import { hash } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

/**
 * The strong entity tag of a representation, from the text about to be sent: its SHA-1
 * in one native call (no hash object per response), with its length in UTF-8 bytes so
 * that two representations collide only if both match. Hashing the bytes once more is
 * cheap next to building them (about a microsecond for a resource), and a tag made from
 * anything else (a version column) could stay the same while the representation changes.
 */
export function entityTag(representation: string): string {
  return `"${Buffer.byteLength(representation).toString(16)}-${hash('sha1', representation, 'base64url')}"`
}

/** The entity tags of an `If-Match` or `If-None-Match` header (`*`, or quoted, possibly weak, tags). */
function parseTagList(header: string): string[] | '*' {
  if (header.trim() === '*') return '*'
  return header.match(/(?:W\/)?"[^"]*"/g) ?? []
}

const opaque = (tag: string) => tag.replace(/^W\//, '')

/**
 * Whether the client's copy (`If-None-Match`, compared weakly) is current, so that a
 * `304` answers a GET. Evaluated whatever `Cache-Control` the request carries: fetch()
 * adds `no-cache` to every conditional request, and RFC 9110 §13.2.1 has the origin
 * evaluate the precondition anyway (the `fresh` package, written for caches, would not).
 */
export function isNotModified(requestHeaders: IncomingHttpHeaders, tag: string): boolean {
  const header = requestHeaders['if-none-match']
  if (header === undefined) return false
  const tags = parseTagList(header)
  return tags === '*' || tags.some((candidate) => opaque(candidate) === opaque(tag))
}

/**
 * `If-Match` holds when it is `*` or names the current tag; a weak tag never matches,
 * since If-Match compares strongly. A header with no tag in it holds for nothing.
 */
export function ifMatchHolds(header: string, currentTag: string): boolean {
  const tags = parseTagList(header)
  return tags === '*' || tags.includes(currentTag)
}
