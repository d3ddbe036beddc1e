import { describe, expect, it } from 'vitest'
import { HEAP_GROWING_PERCENT, heapGrowthFlag } from '../src/heap-growth.js'

describe('heapGrowthFlag', () => {
  it('caps the growth when the operator has not chosen', () => {
    expect(heapGrowthFlag([])).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
    expect(heapGrowthFlag(['--enable-source-maps', '--max-old-space-size=512'])).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
  })

  it("leaves the operator's own choice on the command line alone (Node refuses the flag in NODE_OPTIONS)", () => {
    expect(heapGrowthFlag(['--heap-growing-percent=200'])).toBeUndefined()
    expect(heapGrowthFlag(['--heap_growing_percent', '200'])).toBeUndefined()
    expect(heapGrowthFlag(['--trace-gc', '--heap_growing_percent=80'])).toBeUndefined()
  })

  it('is not fooled by a flag that only starts alike', () => {
    expect(heapGrowthFlag(['--heap-growing-percentage=80'])).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
  })
})
