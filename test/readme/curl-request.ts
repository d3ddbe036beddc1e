/**
 * The HTTP request a README `curl` command line sends, from its arguments (already split
 * and expanded as a shell would, see `shell-quote`). Only the options the README uses
 * are understood; any other one fails the test, so the walk-through cannot quietly show
 * a command the test does not run as curl would.
 */

export interface CurlRequest {
  readonly method: string
  readonly url: string
  readonly headers: Record<string, string>
  readonly body: string | undefined
  /** `-i`: curl prints the status line and headers before the body. */
  readonly includeHeaders: boolean
}

/** Options that take a value, by every spelling the README may use. */
const VALUE_OPTIONS: Readonly<Record<string, 'header' | 'data' | 'user' | 'request'>> = {
  '-H': 'header',
  '--header': 'header',
  '-d': 'data',
  '--data': 'data',
  '-u': 'user',
  '--user': 'user',
  '-X': 'request',
  '--request': 'request',
}

/** Flags without a value; short ones may be bundled (`-si`). */
const FLAGS: Readonly<Record<string, 'include' | 'silent'>> = { i: 'include', s: 'silent', '--include': 'include', '--silent': 'silent' }

export function curlRequest(args: readonly string[]): CurlRequest {
  if (args[0] !== 'curl') throw new Error(`not a curl command: ${args.join(' ')}`)
  const headers: Record<string, string> = { accept: '*/*' } // what curl sends unless told otherwise
  const data: string[] = []
  let method: string | undefined
  let url: string | undefined
  let includeHeaders = false
  for (let index = 1; index < args.length; index++) {
    const arg = args[index] ?? ''
    const valueOption = VALUE_OPTIONS[arg]
    if (valueOption !== undefined) {
      const value = args[++index]
      if (value === undefined) throw new Error(`curl ${arg} needs a value`)
      if (valueOption === 'header') {
        const colon = value.indexOf(':')
        if (colon < 1) throw new Error(`curl -H ${value}: not a "Name: value" header`)
        headers[value.slice(0, colon).trim().toLowerCase()] = value.slice(colon + 1).trim()
      } else if (valueOption === 'data') {
        if (value.startsWith('@')) throw new Error('curl -d @file is not supported by the walk-through test')
        data.push(value)
      } else if (valueOption === 'user') {
        headers.authorization = `Basic ${Buffer.from(value, 'utf8').toString('base64')}`
      } else {
        method = value
      }
    } else if (arg.startsWith('--') && FLAGS[arg] !== undefined) {
      includeHeaders ||= FLAGS[arg] === 'include'
    } else if (/^-[a-zA-Z]+$/.test(arg)) {
      for (const letter of arg.slice(1)) {
        const flag = FLAGS[letter]
        if (flag === undefined) throw new Error(`curl -${letter} is not supported by the walk-through test`)
        includeHeaders ||= flag === 'include'
      }
    } else if (arg.startsWith('-')) {
      throw new Error(`curl ${arg} is not supported by the walk-through test`)
    } else {
      if (url !== undefined) throw new Error(`curl with two URLs: ${url} and ${arg}`)
      url = arg
    }
  }
  if (url === undefined) throw new Error('curl without a URL')
  // `-d` makes a POST of the pieces joined by `&`, as a form unless a Content-Type is given.
  const body = data.length > 0 ? data.join('&') : undefined
  if (body !== undefined) headers['content-type'] ??= 'application/x-www-form-urlencoded'
  return { method: method ?? (body === undefined ? 'GET' : 'POST'), url, headers, body, includeHeaders }
}
