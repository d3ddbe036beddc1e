/**
 * Limits on the shape of a request body, checked before anything walks it. The byte limit
 * alone is not enough: a megabyte of `[[[[...` or of distinct field names costs a
 * recursive walk its stack, and a validator collecting every error its memory. No body
 * this API takes needs more than a handful of flat fields, so the limits are far above
 * what a real client sends and far below what could hurt.
 */
import { BadRequestError, ValidationError } from '../errors.js'

/** Bytes in a body, before it is parsed. */
export const MAX_BODY_BYTES = 1024 * 1024
/** Fields of a form, or members (object fields and array items, all levels together) of a JSON body. */
export const MAX_BODY_MEMBERS = 256
/** Objects and arrays inside one another in a JSON body. */
export const MAX_BODY_DEPTH = 32

const OPEN_OBJECT = 0x7b // {
const CLOSE_OBJECT = 0x7d // }
const OPEN_ARRAY = 0x5b // [
const CLOSE_ARRAY = 0x5d // ]
const COMMA = 0x2c
const QUOTE = 0x22
const BACKSLASH = 0x5c

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09
}

export function tooManyMembers(noun: string): ValidationError {
  return new ValidationError(`The body has more than ${MAX_BODY_MEMBERS} ${noun}; no operation takes nearly that many.`)
}

/**
 * Checks the nesting depth and member count of `text`, which must already be valid JSON,
 * in one pass over its characters (no recursion, whatever the input).
 */
export function assertJsonWithinLimits(text: string): void {
  let depth = 0
  let members = 0
  let inString = false
  /** Just after `{` or `[`: the next non-blank character starts a member unless it closes. */
  let opened = false
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (inString) {
      if (code === BACKSLASH) i++
      else if (code === QUOTE) inString = false
      continue
    }
    if (isWhitespace(code)) continue
    if (opened && code !== CLOSE_OBJECT && code !== CLOSE_ARRAY) members++
    opened = false
    if (code === QUOTE) {
      inString = true
    } else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      if (++depth > MAX_BODY_DEPTH) {
        throw new ValidationError(`The body nests objects and arrays more than ${MAX_BODY_DEPTH} levels deep; no operation takes that.`)
      }
      opened = true
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      depth--
    } else if (code === COMMA) {
      members++
    }
    if (members > MAX_BODY_MEMBERS) throw tooManyMembers('members (fields and items)')
  }
}

/**
 * JSON may spell a lone UTF-16 surrogate (`"\ud800"`), which is not text and could not be
 * stored as UTF-8 without being replaced. (In a form, `parseForm` already refuses it.)
 * Iterative, with an explicit stack, so no input can exhaust the call stack.
 */
export function assertNoLoneSurrogates(value: unknown): void {
  // With the `u` flag a surrogate pair is one code point; only a lone half is category Cs.
  const isMangled = (text: string) => /\p{Cs}/u.test(text)
  const pending: unknown[] = [value]
  while (pending.length > 0) {
    const node = pending.pop()
    if (typeof node === 'string') {
      if (isMangled(node)) throw new BadRequestError('The body contains a lone UTF-16 surrogate, which is not text.')
    } else if (Array.isArray(node)) {
      for (const item of node) pending.push(item)
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) pending.push(key, child)
    }
  }
}
