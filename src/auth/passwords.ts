/**
 * Password hashing with scrypt: slow and salted by design, compared in constant time.
 * The cost is stored in each hash, so raising it later leaves old hashes valid.
 */
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto'

const KEY_LENGTH = 64
const BLOCK_SIZE = 8
const PARALLELISM = 1

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; allow twice that so any stored cost can be checked.
  const maxmem = 256 * (options.N ?? 16384) * (options.r ?? BLOCK_SIZE)
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { ...options, maxmem }, (error, key) => (error ? reject(error) : resolve(key)))
  })
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashPassword(password: string, cost: number): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(password, salt, { N: cost, r: BLOCK_SIZE, p: PARALLELISM })
  return ['scrypt', cost, BLOCK_SIZE, PARALLELISM, salt.toString('base64url'), key.toString('base64url')].join('$')
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const actual = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) })
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

const decoys = new Map<number, Promise<string>>()

/**
 * Spends as long as a real check when the username does not exist, so response
 * times do not tell which usernames are registered.
 */
export async function verifyAgainstDecoy(password: string, cost: number): Promise<false> {
  let decoy = decoys.get(cost)
  if (!decoy) {
    decoy = hashPassword(randomBytes(16).toString('base64url'), cost)
    decoys.set(cost, decoy)
  }
  await verifyPassword(password, await decoy)
  return false
}
