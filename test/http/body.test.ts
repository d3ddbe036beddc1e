import { describe, expect, it } from 'vitest'
import { BadRequestError } from '../../src/errors.js'
import { coerceFormFields, parseForm } from '../../src/http/body.js'

const schema = {
  type: 'object',
  properties: { title: { type: 'string' }, done: { type: 'boolean' }, amount: { type: 'number' }, count: { type: 'integer' } },
}

describe('coerceFormFields', () => {
  it('gives booleans and numbers their JSON types where the schema asks', () => {
    const fields = new URLSearchParams('title=42&done=true&amount=-12.50&count=3')
    expect(coerceFormFields(fields, schema)).toEqual({ title: '42', done: true, amount: -12.5, count: 3 })
  })

  it('leaves values it cannot coerce as strings, for validation to reject', () => {
    expect(coerceFormFields(new URLSearchParams('done=yes&count=1e3&amount='), schema)).toEqual({ done: 'yes', count: '1e3', amount: '' })
  })

  it('turns a repeated field into an array, and keeps unknown fields for validation to reject', () => {
    expect(coerceFormFields(new URLSearchParams('title=a&title=b&owner=1'), schema)).toEqual({ title: ['a', 'b'], owner: '1' })
  })

  it('stores __proto__ as a plain field instead of changing the prototype', () => {
    const body = coerceFormFields(new URLSearchParams('__proto__=x'), schema)
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype)
    expect(Object.keys(body)).toEqual(['__proto__'])
  })
})

describe('parseForm', () => {
  it('decodes pairs like a browser sends them', () => {
    expect([...parseForm('title=Read+a+book&description=caf%C3%A9%20%26%20more&done').entries()]).toEqual([
      ['title', 'Read a book'],
      ['description', 'café & more'],
      ['done', ''],
    ])
  })

  it('refuses escapes that are not UTF-8 instead of replacing them', () => {
    expect(() => parseForm('title=%FF')).toThrow(BadRequestError)
    expect(() => parseForm('title=%ED%A0%80')).toThrow(/UTF-8/)
    expect(() => parseForm('title=%ZZ')).toThrow(BadRequestError)
  })
})
