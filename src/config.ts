/**
 * The only reader of `process.env`. Everything else receives an {@link AppConfig}, so
 * tests build the app with whatever configuration they need and never touch the
 * environment.
 */
import { fileURLToPath } from 'node:url'
import express from 'express'

export interface AppConfig {
  /** TCP port to listen on. */
  readonly port: number
  /**
   * Where the data lives: a SQLite file path, `file:` URL or `:memory:`; or a PostgreSQL
   * database, `postgres://user[:password]@host[:port]/database`.
   */
  readonly databaseUrl: string
  /** Absolute URL prefix for `uri` fields and links; derived from each request when unset. */
  readonly publicUrl: string | undefined
  /** pino level: `fatal` .. `trace`, or `silent`. */
  readonly logLevel: LogLevel
  /**
   * `auto`: JSON lines, pretty-printed instead when stdout is a terminal; `json`: JSON
   * lines always (for a terminal that pipes them on).
   */
  readonly logFormat: LogFormat
  /** How long a bearer token lives. */
  readonly tokenTtlSeconds: number
  /** scrypt's CPU/memory cost (N) for new password hashes; a power of two. */
  readonly scryptCost: number
  /** Failed Basic logins for one username (or 4x as many from one address) before `429`. */
  readonly loginMaxFailures: number
  /** How long failed logins are remembered, and so the longest `Retry-After`. */
  readonly loginWindowSeconds: number
  /**
   * Express's `trust proxy`: which proxies may set the client address (`X-Forwarded-For`,
   * used by the login throttle) and scheme. Off unless configured.
   */
  readonly trustProxy: boolean | number | string
  /** Browser origins allowed to call the API (CORS); none by default. */
  readonly corsOrigins: readonly string[]
  /** Requests each user may make per window; 0 turns the limit off (the default). */
  readonly rateLimitRequests: number
  /** The per-user request limit's window. */
  readonly rateLimitWindowSeconds: number
  /** How long a client may take to send a request's headers before it gets a 408. */
  readonly headersTimeoutSeconds: number
  /** How long a client may take to send a request's body, once its headers are in, before it gets a 408. */
  readonly bodyTimeoutSeconds: number
  /** How long an idle keep-alive connection stays open between requests. */
  readonly keepAliveTimeoutSeconds: number
  /** On SIGTERM, how long requests in flight may take before every connection is cut. */
  readonly shutdownTimeoutSeconds: number
  /**
   * How long a write waits for a SQLite write lock that another process holds before it
   * is answered 503 (the wait does not block other requests).
   */
  readonly databaseBusyTimeoutMs: number
  /** PostgreSQL: the most connections each process (replica) keeps open. */
  readonly databasePoolSize: number
  /**
   * PostgreSQL: how long a query may wait for a connection (opening one, or a turn when
   * all are busy) before it fails rather than queue on.
   */
  readonly databaseConnectTimeoutMs: number
  /** PostgreSQL: how long one statement may run before the server cancels it; 0 for no limit. */
  readonly databaseStatementTimeoutMs: number
  /**
   * `Strict-Transport-Security` max-age; 0 (the default) sends none. The pin holds for
   * the host name on every port, so set it only where clients reach the service over
   * HTTPS alone (behind a TLS proxy, say), never on a plain-HTTP `localhost`.
   */
  readonly hstsMaxAgeSeconds: number
  /**
   * How long an `/api/v1` request may wait for the event loop to take it up before it is
   * answered 503 with Retry-After instead (http/load-shedding.ts).
   */
  readonly loadShedLagMs: number
  /** The project root, where `openapi.yaml` and `docs/` live. */
  readonly rootDir: string
}

export type LogFormat = 'auto' | 'json'

/** pino's levels, most severe first; pino throws on any other name, after start-up has begun. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** The highest TCP port; 0 lets the system pick a free one. */
const MAX_PORT = 65_535

/** `src/` when run from source, `dist/` when built: both sit one level below the root. */
const projectRoot = fileURLToPath(new URL('..', import.meta.url))

export const defaultConfig: AppConfig = {
  port: 3000,
  databaseUrl: 'data/achiever.sqlite',
  publicUrl: undefined,
  logLevel: 'info',
  logFormat: 'auto',
  tokenTtlSeconds: 3600,
  scryptCost: 32768,
  loginMaxFailures: 5,
  loginWindowSeconds: 900,
  trustProxy: false,
  corsOrigins: [],
  rateLimitRequests: 0,
  rateLimitWindowSeconds: 60,
  headersTimeoutSeconds: 10,
  bodyTimeoutSeconds: 30,
  keepAliveTimeoutSeconds: 5,
  shutdownTimeoutSeconds: 10,
  databaseBusyTimeoutMs: 5000,
  databasePoolSize: 10,
  databaseConnectTimeoutMs: 5000,
  databaseStatementTimeoutMs: 10_000,
  hstsMaxAgeSeconds: 0,
  loadShedLagMs: 200,
  rootDir: projectRoot,
}

/**
 * A configuration mistake the user fixes by changing a setting: its message is one line
 * naming the setting, its value and what it must be, shown without a stack trace
 * (start-up-failure.ts).
 */
export class ConfigError extends Error {}

/**
 * The longest `PUBLIC_URL` and CORS origin. Every URL the API sends is built on the one
 * and every `Access-Control-Allow-Origin` is the other, so this keeps them within the
 * lengths the spec declares (2,048 for a `uri` or `Location`, 1,024 for an origin).
 */
const MAX_URL_PREFIX_LENGTH = 1024

function notTooLong(name: string, value: string): string {
  if (value.length > MAX_URL_PREFIX_LENGTH) {
    throw new ConfigError(`${name} must be at most ${MAX_URL_PREFIX_LENGTH} characters long, not ${value.length}`)
  }
  return value
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  // Decimal digits only: Number() would also take 0x10, 1e3 and ' 8 '.
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`
    throw new ConfigError(`${name} must be an integer ${range}, not ${JSON.stringify(raw)}`)
  }
  return value
}

function logLevel(raw: string | undefined): LogLevel {
  if (raw === undefined || raw === '') return defaultConfig.logLevel
  const level = LOG_LEVELS.find((known) => known === raw)
  if (level === undefined) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(raw)}`)
  return level
}

/**
 * `true`/`false`, a hop count, or addresses and subnets (`loopback, 10.0.0.0/8`). The list
 * is compiled by Express itself, here rather than when the app is built, so that a typo is
 * a ConfigError and not a stack trace from deep inside start-up.
 */
function trustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === '' || raw === 'false') return false
  if (raw === 'true') return true
  if (/^\d+$/.test(raw)) return Number(raw)
  try {
    express().set('trust proxy', raw)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new ConfigError(
      `TRUST_PROXY must be true, false, a hop count or addresses and subnets such as "loopback, 10.0.0.0/8", not ${JSON.stringify(raw)} (${reason})`,
    )
  }
  return raw
}

function logFormat(raw: string | undefined): LogFormat {
  if (raw === undefined || raw === '') return defaultConfig.logFormat
  if (raw === 'auto' || raw === 'json') return raw
  throw new ConfigError(`LOG_FORMAT must be auto or json, not ${JSON.stringify(raw)}`)
}

/** Comma-separated origins (`https://app.example.com`), each checked and normalised. */
function origins(raw: string | undefined): readonly string[] {
  if (raw === undefined || raw.trim() === '') return []
  return raw.split(',').map((entry) => {
    const origin = entry.trim()
    if (!URL.canParse(origin) || new URL(origin).origin !== origin.replace(/\/+$/, '')) {
      throw new ConfigError(`CORS_ORIGINS must list origins such as https://app.example.com, not ${JSON.stringify(origin)}`)
    }
    return notTooLong('Each of CORS_ORIGINS', new URL(origin).origin)
  })
}

/** The two databases the service runs on. */
export type DialectName = 'sqlite' | 'postgres'

/**
 * Which database a `DATABASE_URL` names: a `postgres:` or `postgresql:` URL is PostgreSQL
 * (a malformed one is refused by {@link loadConfig}, not taken for a file name); anything
 * else names a SQLite file. Here, with the setting it reads, so that the configuration
 * needs nothing from db/ (which reads the configuration).
 */
export function databaseDialect(databaseUrl: string): DialectName {
  return /^postgres(ql)?:/i.test(databaseUrl) ? 'postgres' : 'sqlite'
}

/**
 * `DATABASE_URL`: a PostgreSQL URL must parse and name its database; anything else is a
 * SQLite file.
 */
function databaseUrl(raw: string | undefined): string {
  if (!raw) return defaultConfig.databaseUrl
  if (databaseDialect(raw) !== 'postgres') return raw
  const url = URL.canParse(raw) ? new URL(raw) : undefined
  if (url === undefined || url.hostname === '' || url.pathname.replace(/^\//, '') === '') {
    throw new ConfigError('DATABASE_URL must be postgres://user@host:port/database for PostgreSQL (or a SQLite file path)')
  }
  return raw
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const scryptCost = integer(env, 'SCRYPT_COST', defaultConfig.scryptCost, 2)
  if ((scryptCost & (scryptCost - 1)) !== 0) throw new ConfigError(`SCRYPT_COST must be a power of two, not ${scryptCost}`)
  const publicUrl = env.PUBLIC_URL ? env.PUBLIC_URL.replace(/\/+$/, '') : undefined
  if (publicUrl !== undefined && !URL.canParse(publicUrl)) {
    throw new ConfigError(`PUBLIC_URL must be an absolute URL such as https://api.example.com, not ${JSON.stringify(env.PUBLIC_URL)}`)
  }
  if (publicUrl !== undefined) notTooLong('PUBLIC_URL', publicUrl)
  return {
    port: integer(env, 'PORT', defaultConfig.port, 0, MAX_PORT),
    databaseUrl: databaseUrl(env.DATABASE_URL),
    publicUrl,
    logLevel: logLevel(env.LOG_LEVEL),
    logFormat: logFormat(env.LOG_FORMAT),
    tokenTtlSeconds: integer(env, 'TOKEN_TTL_SECONDS', defaultConfig.tokenTtlSeconds, 1),
    scryptCost,
    loginMaxFailures: integer(env, 'LOGIN_MAX_FAILURES', defaultConfig.loginMaxFailures, 1),
    loginWindowSeconds: integer(env, 'LOGIN_WINDOW_SECONDS', defaultConfig.loginWindowSeconds, 1),
    trustProxy: trustProxy(env.TRUST_PROXY),
    corsOrigins: origins(env.CORS_ORIGINS),
    rateLimitRequests: integer(env, 'RATE_LIMIT_REQUESTS', defaultConfig.rateLimitRequests, 0),
    rateLimitWindowSeconds: integer(env, 'RATE_LIMIT_WINDOW_SECONDS', defaultConfig.rateLimitWindowSeconds, 1),
    headersTimeoutSeconds: integer(env, 'HEADERS_TIMEOUT_SECONDS', defaultConfig.headersTimeoutSeconds, 1),
    bodyTimeoutSeconds: integer(env, 'BODY_TIMEOUT_SECONDS', defaultConfig.bodyTimeoutSeconds, 1),
    keepAliveTimeoutSeconds: integer(env, 'KEEP_ALIVE_TIMEOUT_SECONDS', defaultConfig.keepAliveTimeoutSeconds, 1),
    shutdownTimeoutSeconds: integer(env, 'SHUTDOWN_TIMEOUT_SECONDS', defaultConfig.shutdownTimeoutSeconds, 1),
    databaseBusyTimeoutMs: integer(env, 'DATABASE_BUSY_TIMEOUT_MS', defaultConfig.databaseBusyTimeoutMs, 0),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', defaultConfig.databasePoolSize, 1),
    databaseConnectTimeoutMs: integer(env, 'DATABASE_CONNECT_TIMEOUT_MS', defaultConfig.databaseConnectTimeoutMs, 1),
    databaseStatementTimeoutMs: integer(env, 'DATABASE_STATEMENT_TIMEOUT_MS', defaultConfig.databaseStatementTimeoutMs, 0),
    hstsMaxAgeSeconds: integer(env, 'HSTS_MAX_AGE_SECONDS', defaultConfig.hstsMaxAgeSeconds, 0),
    loadShedLagMs: integer(env, 'LOAD_SHED_LAG_MS', defaultConfig.loadShedLagMs, 1),
    rootDir: defaultConfig.rootDir,
  }
}
