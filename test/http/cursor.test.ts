import { describe, expect, it } from 'vitest'
import { CURSOR_MAX_LENGTH, decodeCursor, encodeCursor, listFingerprint } from '../../src/core/cursor.js'
import { BadRequestError } from '../../src/errors.js'

describe('listFingerprint', () => {
  it('is the same for the same list and filters, in any order, and ignores filters not given', () => {
    expect(listFingerprint('tasks', { sort: 'title', done: true })).toBe(listFingerprint('tasks', { done: true, q: undefined, sort: 'title' }))
  })

  it('differs with the list, a filter or the sort', () => {
    const base = listFingerprint('tasks', { sort: 'title' })
    expect(listFingerprint('goals', { sort: 'title' })).not.toBe(base)
    expect(listFingerprint('tasks', { sort: '-title' })).not.toBe(base)
    expect(listFingerprint('tasks', { sort: 'title', done: false })).not.toBe(base)
    // `null` (a filter for top-level goals) is not the same as no filter.
    expect(listFingerprint('goals', { parent_id: 'null' })).not.toBe(listFingerprint('goals', {}))
  })
})

describe('encodeCursor and decodeCursor', () => {
  const fingerprint = listFingerprint('tasks', { sort: 'title' })

  it('round-trip a position, in base64url only', () => {
    const cursor = encodeCursor(fingerprint, { key: 'Ärger & "quotes"', id: 42 })
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(decodeCursor(cursor, fingerprint)).toEqual({ key: 'Ärger & "quotes"', id: 42 })
  })

  it('the longest key a list issues (a title of 200 astral characters, or of quotes) stays within the bound', () => {
    for (const title of ['𝄞'.repeat(200), '"'.repeat(200), '\u0001'.repeat(200)]) {
      expect(encodeCursor(fingerprint, { key: title, id: Number.MAX_SAFE_INTEGER }).length).toBeLessThanOrEqual(CURSOR_MAX_LENGTH)
    }
  })

  it('refuse a cursor of another list, naming the parameter', () => {
    const cursor = encodeCursor(listFingerprint('goals', {}), { key: 'x', id: 1 })
    expect(() => decodeCursor(cursor, fingerprint)).toThrow(BadRequestError)
    try {
      decodeCursor(cursor, fingerprint)
    } catch (error) {
      expect((error as BadRequestError).errors).toEqual([
        { parameter: 'cursor', detail: 'belongs to another list, sort order or filter: follow the next link of this list, or start again without a cursor' },
      ])
    }
  })

  it.each(['', 'x', 'bnVsbA', Buffer.from('{"f":"a","k":"b","i":1.5}').toString('base64url'), Buffer.from('{"f":"a","k":"b"}').toString('base64url')])(
    'refuse %j, which no list issued',
    (cursor) => {
      expect(() => decodeCursor(cursor, fingerprint)).toThrow('parameter is invalid')
    },
  )
})
