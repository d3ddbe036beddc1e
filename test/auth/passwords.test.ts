import { describe, expect, it } from 'vitest'
import { hashPassword, verifyAgainstDecoy, verifyPassword } from '../../src/auth/passwords.js'
import { defaultConfig } from '../../src/config.js'

describe('password hashing', () => {
  it('stores scrypt with its cost and a random salt, never the password', async () => {
    const a = await hashPassword('python-rocks', 1024)
    const b = await hashPassword('python-rocks', 1024)
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{86}$/)
    expect(a).not.toBe(b)
    expect(a).not.toContain('python-rocks')
  })

  it('verifies the right password and rejects others', async () => {
    const stored = await hashPassword('python-rocks', 1024)
    expect(await verifyPassword('python-rocks', stored)).toBe(true)
    expect(await verifyPassword('python-rockz', stored)).toBe(false)
    expect(await verifyPassword('', stored)).toBe(false)
    expect(await verifyPassword('python-rocks', 'md5$abc')).toBe(false)
  })

  it('checks a hash with the cost stored in it, whatever the current setting', async () => {
    const old = await hashPassword('pw-from-2025', 2048)
    expect(await verifyPassword('pw-from-2025', old)).toBe(true)
  })

  it('treats unicode passwords in NFC', async () => {
    const stored = await hashPassword('caf\u00e9-latte', 1024)
    expect(await verifyPassword('cafe\u0301-latte', stored)).toBe(true)
  })

  it('defaults to a deliberately slow cost in production', () => {
    expect(defaultConfig.scryptCost).toBeGreaterThanOrEqual(2 ** 15)
  })

  it('spends a real check on unknown users and always fails', async () => {
    expect(await verifyAgainstDecoy('anything', 1024)).toBe(false)
  })
})
