/**
 * The Node versions package.json declares are true: every package the lockfile installs
 * runs on the oldest release of each line the range admits (20.19.0 and 22.12.0, say),
 * so `npm ci` never warns EBADENGINE there. Optional packages are left out: npm skips
 * one whose engines do not fit, silently, as it skips one built for another platform.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import semver from 'semver'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')

interface LockedPackage {
  readonly version?: string
  readonly optional?: boolean
  readonly engines?: { readonly node?: string }
}

const declared = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node
const locked = (JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockedPackage> }).packages

/** The lowest version of each `||` alternative: `>=20.19 <21 || >=22.12` gives 20.19.0 and 22.12.0. */
function lowestOfEachLine(range: string): string[] {
  return new semver.Range(range).set.map((comparators) => {
    const lowest = semver.minVersion(comparators.map((comparator) => comparator.value).join(' '))
    if (!lowest) throw new Error(`${range} admits no version`)
    return lowest.version
  })
}

describe('engines.node in package.json', () => {
  const lowest = lowestOfEachLine(declared)

  it('names a lowest version on both supported lines, and admits the Node running this test', () => {
    expect(lowest.map((version) => semver.major(version))).toEqual([20, 22])
    expect(semver.satisfies(process.version, declared)).toBe(true)
  })

  it.each(lowest)('is admitted on %s by every package the lockfile installs', (version) => {
    const misfits = Object.entries(locked)
      .filter(([path, entry]) => path !== '' && !entry.optional && entry.engines?.node !== undefined)
      .filter(([, entry]) => !semver.satisfies(version, entry.engines?.node ?? '*'))
      .map(([path, entry]) => `${path}@${entry.version ?? '?'} wants node ${entry.engines?.node ?? '?'}`)
    expect(misfits).toEqual([])
  })
})
