/**
 * What must never reach a log: credentials. A token sent as `?access_token=...` was once
 * logged verbatim (issue 9), so redaction no longer trusts each log call to leave URLs
 * and headers out: the logger passes every finished line through {@link scrubSecrets}.
 */

export const REDACTED = '[redacted]'

/** Object paths pino blanks before a line is written, for anything that logs headers. */
export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["proxy-authorization"]',
  'headers.cookie',
]

/**
 * Parameter names that carry a secret, after lower-casing and `-` to `_`: the usual
 * names (OAuth's tokens, API keys, passwords, signed-URL signatures, sessions) and any
 * name that ends in one of them (`client_secret`, `x_api_key`, `reset_token`).
 */
const SECRET_NAME =
  /(?:^|_)(?:access_token|refresh_token|id_token|token|api_?key|key|password|passwd|pwd|passphrase|secret|signature|sig|session(?:_?id)?|jwt|auth|authorization|credentials?)$/

export function isSecretParameter(name: string): boolean {
  let decoded = name
  try {
    decoded = decodeURIComponent(name.replaceAll('+', ' '))
  } catch {
    // A malformed escape: judge the name as it was sent.
  }
  return SECRET_NAME.test(decoded.toLowerCase().replaceAll('-', '_'))
}

/**
 * `name=value` anywhere in a line: in a query string, a form body or a message. The
 * value ends where a query, a JSON string or a sentence would end it.
 */
const PARAMETER = /(^|[?&;\s"'(])([A-Za-z0-9_.%+-]+)=([^&;#\s"'\\)]*)/g

/**
 * Credentials after an authentication scheme, as in an Authorization header's value. A
 * plain lower-case word after it ("Basic credentials") is prose, not a credential.
 */
const SCHEME_CREDENTIALS = /\b(Bearer|Basic)(\s+)([A-Za-z0-9._~+/=-]+)/gi

/** `url` with the value of every secret-carrying query parameter replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const query = url.indexOf('?')
  if (query < 0) return url
  return url.slice(0, query) + redactParameters(url.slice(query))
}

function redactParameters(text: string): string {
  return text.replace(PARAMETER, (whole: string, before: string, name: string, value: string) =>
    value !== '' && value !== REDACTED && isSecretParameter(name) ? `${before}${name}=${REDACTED}` : whole,
  )
}

/**
 * A log line with secrets taken out: secret query and form parameters, and the
 * credentials after `Bearer` or `Basic`. Cheap on the usual line, which has neither `=`
 * nor a scheme name.
 */
export function scrubSecrets(line: string): string {
  let scrubbed = line.includes('=') ? redactParameters(line) : line
  if (/bearer|basic/i.test(scrubbed)) {
    scrubbed = scrubbed.replace(SCHEME_CREDENTIALS, (whole: string, scheme: string, space: string, credentials: string) =>
      /^[a-z]+$/.test(credentials) ? whole : `${scheme}${space}${REDACTED}`,
    )
  }
  return scrubbed
}
