/**
 * Conditional requests (RFC 9110 §13): strong entity tags computed from the bytes of a
 * representation, `If-None-Match` on reads (304) and `If-Match` on writes (412).
 * Hashing the representation, rather than keeping a version column, makes a tag change
 * exactly when what the client would see changes: a list's tag moves with any item on
 * its page and with its total, a resource's with any field.
 */
import etag from 'etag'
import fresh from 'fresh'
import type { IncomingHttpHeaders } from 'node:http'

/** The strong entity tag of a representation's bytes. */
export function entityTag(representation: string | Buffer): string {
  return etag(representation, { weak: false })
}

/** Whether the client's copy (`If-None-Match`) is current, so a `304` answers a GET. */
export function isNotModified(requestHeaders: IncomingHttpHeaders, tag: string): boolean {
  return fresh(requestHeaders, { etag: tag })
}

/** The entity tags of an `If-Match` header (`*`, or a list of quoted, possibly weak, tags). */
function parseTagList(header: string): string[] | '*' {
  if (header.trim() === '*') return '*'
  return header.match(/(?:W\/)?"[^"]*"/g) ?? []
}

/**
 * `If-Match` holds when it is `*` or names the current tag; a weak tag never matches,
 * since If-Match compares strongly. A header with no tag in it holds for nothing.
 */
export function ifMatchHolds(header: string, currentTag: string): boolean {
  const tags = parseTagList(header)
  return tags === '*' || tags.includes(currentTag)
}
