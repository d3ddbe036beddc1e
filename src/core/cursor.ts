/**
 * The opaque `cursor` of keyset pagination: where the next page starts (the sort key and
 * id of the last row served) and a fingerprint of the list, sort and filters it belongs
 * to, as base64url JSON. It is not signed: every query is scoped to its user, so a
 * hand-made cursor can only move within the user's own list; it is checked for shape,
 * and for belonging to the request, so a mistake is a clear 400 rather than a wrong page.
 */
import { createHash } from 'node:crypto'
import type { KeysetPosition } from '../db/keyset.js'
import { invalidParameters } from '../errors.js'

export type { KeysetPosition }

export type ListFilters = Readonly<Record<string, string | number | boolean | null | undefined>>

/** The spec's `maxLength` of `cursor`; the longest issued (a 200-character title key) is well within it. */
export const CURSOR_MAX_LENGTH = 2048

/**
 * Names the list, its sort and filters, in 72 bits: a cursor used on another list, or
 * with other filters, is told apart from the one it came from.
 */
export function listFingerprint(list: string, filters: ListFilters): string {
  const canonical = Object.entries(filters)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => [name, String(value)])
    .sort(([a], [b]) => (String(a) < String(b) ? -1 : 1))
  return createHash('sha256')
    .update(JSON.stringify([list, canonical]))
    .digest('base64url')
    .slice(0, 12)
}

export function encodeCursor(fingerprint: string, position: KeysetPosition): string {
  return Buffer.from(JSON.stringify({ f: fingerprint, k: position.key, i: position.id })).toString('base64url')
}

function badCursor(detail: string) {
  return invalidParameters([{ parameter: 'cursor', detail }])
}

/** The position a cursor names, or a 400 that says why it cannot be used here. */
export function decodeCursor(cursor: string, fingerprint: string): KeysetPosition {
  let decoded: unknown
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    decoded = undefined
  }
  const { f, k, i } = (typeof decoded === 'object' && decoded !== null ? decoded : {}) as Record<string, unknown>
  if (typeof f !== 'string' || typeof k !== 'string' || typeof i !== 'number' || !Number.isSafeInteger(i) || i < 1) {
    throw badCursor('is not a cursor this API issued: use the cursor of a next link as it is')
  }
  if (f !== fingerprint) {
    throw badCursor('belongs to another list, sort order or filter: follow the next link of this list, or start again without a cursor')
  }
  return { key: k, id: i }
}
