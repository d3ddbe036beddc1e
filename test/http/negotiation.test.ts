import express, { type Request } from 'express'
import { describe, expect, it } from 'vitest'
import { AcceptNegotiation } from '../../src/http/negotiation.js'

function requestWith(accept: string | undefined): Request {
  return Object.setPrototypeOf({ headers: accept === undefined ? {} : { accept } }, express.request) as Request
}

describe('AcceptNegotiation', () => {
  const yamlOrJson = () => new AcceptNegotiation(['application/yaml', 'application/json'])

  it('takes a request without Accept, and one that accepts any offered type', () => {
    const negotiation = yamlOrJson()
    expect(negotiation.acceptable(requestWith(undefined))).toBe(true)
    expect(negotiation.acceptable(requestWith('application/json'))).toBe(true)
    expect(negotiation.acceptable(requestWith('text/html;q=0.9, */*;q=0.1'))).toBe(true)
  })

  it('refuses what accepts none of them, and answers the same header alike when it comes again', () => {
    const negotiation = yamlOrJson()
    for (let i = 0; i < 3; i++) {
      expect(negotiation.acceptable(requestWith('text/html'))).toBe(false)
      expect(negotiation.acceptable(requestWith('application/yaml'))).toBe(true)
      expect(negotiation.acceptable(requestWith('application/json;q=0'))).toBe(false)
    }
  })

  it('stays right past the number of headers it remembers', () => {
    const negotiation = yamlOrJson()
    for (let i = 0; i < 200; i++) {
      const refused = `text/x-${i}`
      expect(negotiation.acceptable(requestWith(refused))).toBe(false)
      expect(negotiation.acceptable(requestWith(`${refused}, application/json`))).toBe(true)
    }
  })
})
