/**
 * `<name>` placeholders in the README's walk-through. Where a shown answer has one, it
 * stands for whatever the server answered there (a token, an ETag) and is remembered;
 * where a command has one, it is replaced by what was remembered. A few stand for
 * moments relative to now (`<tomorrow>`), so the walk-through never goes stale.
 */

const PLACEHOLDER = /<([a-z][a-z0-9]*)>/g

/** Midnight UTC `days` days from today, as the README would write it (`2026-11-22T00:00:00Z`). */
function midnightUtc(now: Date, days: number): string {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days))
  return day.toISOString().replace('.000Z', 'Z')
}

export class Placeholders {
  private readonly values = new Map<string, string>()

  constructor(now: Date) {
    this.values.set('yesterday', midnightUtc(now, -1))
    this.values.set('today', midnightUtc(now, 0))
    this.values.set('tomorrow', midnightUtc(now, 1))
  }

  get(name: string): string | undefined {
    return this.values.get(name)
  }

  /** Remembers what a shown placeholder stood for; a name means one thing throughout. */
  bind(name: string, value: string): void {
    const known = this.values.get(name)
    if (known !== undefined && known !== value) throw new Error(`<${name}> was ${known}, now ${value}`)
    this.values.set(name, value)
  }

  /** `text` with every placeholder replaced by its value; an unknown one is an error. */
  fill(text: string): string {
    return text.replace(PLACEHOLDER, (_match, name: string) => {
      const value = this.values.get(name)
      if (value === undefined) throw new Error(`<${name}> is used before any answer showed it`)
      return value
    })
  }
}

/** The placeholder's name when `text` is exactly one placeholder, `<etag>` say. */
export function wholePlaceholder(text: string): string | undefined {
  return /^<([a-z][a-z0-9]*)>$/.exec(text)?.[1]
}

/**
 * A RegExp for a shown header value: `...` matches any text, a known placeholder its
 * value, an unknown one any text (captured under the placeholder's name).
 */
export function headerPattern(shown: string, placeholders: Placeholders): RegExp {
  const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  let pattern = ''
  for (const part of shown.split(/(\.\.\.|<[a-z][a-z0-9]*>)/)) {
    const name = wholePlaceholder(part)
    if (part === '...') pattern += '.*?'
    else if (name === undefined) pattern += escapeRegExp(part)
    else {
      const value = placeholders.get(name)
      pattern += value === undefined ? `(?<${name}>.+?)` : escapeRegExp(value)
    }
  }
  return new RegExp(`^${pattern}$`)
}
