import { hash, randomBytes } from 'node:crypto'

/** 256 random bits: what the client holds. */
export function newTokenSecret(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * What the server keeps. A fast hash is right here: the secret is random, not a password.
 * One native call (no hash object): every Bearer request hashes the token it sends.
 */
export function hashTokenSecret(secret: string): string {
  return hash('sha256', secret, 'hex')
}
