/**
 * What the README shows a command printing, read back into parts the test can compare
 * with a real response: the status line and headers (for `curl -i`) and the body.
 *
 * The README is written for people, so it abbreviates: `...` in a JSON body stands for
 * members (or items) left out, `...` in a header value for any text, and a line `...`
 * among the headers for headers left out (headers not shown are never checked anyway).
 * `<name>` is a placeholder, see `Placeholders`.
 */

export interface ShownOutput {
  readonly status: { readonly code: number; readonly reason: string } | undefined
  /** Shown headers, name lower-cased, value as shown. */
  readonly headers: ReadonlyArray<readonly [string, string]>
  /** The body as shown, '' when none is. */
  readonly body: string
}

export function readShownOutput(shown: string, includeHeaders: boolean): ShownOutput {
  if (!includeHeaders || shown === '') return { status: undefined, headers: [], body: shown }
  const [statusLine = '', ...rest] = shown.split('\n')
  const status = /^HTTP\/1\.1 (\d{3}) (.+)$/.exec(statusLine)
  if (!status) throw new Error(`curl -i output must start with a status line, not ${JSON.stringify(statusLine)}`)
  const blank = rest.findIndex((line) => line.trim() === '')
  const headerLines = blank === -1 ? rest : rest.slice(0, blank)
  const headers = headerLines
    .filter((line) => line.trim() !== '...')
    .map((line): readonly [string, string] => {
      const colon = line.indexOf(':')
      if (colon < 1) throw new Error(`not a header line: ${JSON.stringify(line)}`)
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]
    })
  const body =
    blank === -1
      ? ''
      : rest
          .slice(blank + 1)
          .join('\n')
          .trim()
  return { status: { code: Number(status[1]), reason: status[2] ?? '' }, headers, body }
}

/** The member name (in an object) or item (in an array) that stands for a `...` in a shown body. */
export const ELIDED = '\u2026'

/**
 * Parses a shown JSON body in which `...` may stand for left-out members or items: each
 * becomes an `ELIDED` member (`"…":0`) or item (`"…"`), and is valid JSON after that.
 */
export function parseShownJson(text: string): unknown {
  let json = ''
  const open: string[] = []
  for (let index = 0; index < text.length; index++) {
    const char = text[index] ?? ''
    if (char === '"') {
      // Copy the whole string literal, escapes included: a `...` inside it is text.
      const end = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(index))
      if (!end) throw new Error(`unterminated string in shown JSON: ${text}`)
      json += end[0]
      index += end[0].length - 1
    } else if (text.startsWith('...', index)) {
      json += open.at(-1) === '{' ? `"${ELIDED}":0` : `"${ELIDED}"`
      index += 2
    } else {
      if (char === '{' || char === '[') open.push(char)
      if (char === '}' || char === ']') open.pop()
      json += char
    }
  }
  try {
    return JSON.parse(json)
  } catch (error) {
    throw new Error(`shown body is not JSON (with ... for what is left out): ${text}`, { cause: error })
  }
}
