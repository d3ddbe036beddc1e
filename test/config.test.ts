import { describe, expect, it } from 'vitest'
import { ConfigError, defaultConfig, loadConfig } from '../src/config.js'

describe('loadConfig', () => {
  it('uses the defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual(defaultConfig)
    expect(defaultConfig).toMatchObject({ port: 3000, databaseUrl: 'data/achiever.sqlite', tokenTtlSeconds: 3600 })
  })

  it('reads each variable', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: '/tmp/x.sqlite',
      PUBLIC_URL: 'https://api.example.com/',
      LOG_LEVEL: 'warn',
      TOKEN_TTL_SECONDS: '60',
      SCRYPT_COST: '16384',
      LOGIN_MAX_FAILURES: '10',
      LOGIN_WINDOW_SECONDS: '30',
    })
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: '/tmp/x.sqlite',
      publicUrl: 'https://api.example.com',
      logLevel: 'warn',
      tokenTtlSeconds: 60,
      scryptCost: 16384,
      loginMaxFailures: 10,
      loginWindowSeconds: 30,
    })
  })

  it('reads TRUST_PROXY as a boolean, a hop count or a list of addresses', () => {
    expect(loadConfig({}).trustProxy).toBe(false)
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true)
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2)
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback, 10.0.0.0/8')
    expect(() => loadConfig({ TRUST_PROXY: 'yes' })).toThrow(
      /^TRUST_PROXY must be true, false, a hop count or addresses and subnets .*, not "yes" \(invalid IP address: yes\)$/,
    )
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/99' })).toThrow(/not "10\.0\.0\.0\/99" \(invalid range on address/)
  })

  it('reads HSTS_MAX_AGE_SECONDS, off (0) unless set', () => {
    expect(loadConfig({}).hstsMaxAgeSeconds).toBe(0)
    expect(loadConfig({ HSTS_MAX_AGE_SECONDS: '31536000' }).hstsMaxAgeSeconds).toBe(31_536_000)
    expect(() => loadConfig({ HSTS_MAX_AGE_SECONDS: 'one year' })).toThrow(/HSTS_MAX_AGE_SECONDS/)
  })

  it('reads LOAD_SHED_LAG_MS (200 by default, at least 1) and LOG_FORMAT (auto or json)', () => {
    expect(loadConfig({})).toMatchObject({ loadShedLagMs: 200, logFormat: 'auto' })
    expect(loadConfig({ LOAD_SHED_LAG_MS: '1', LOG_FORMAT: 'json' })).toMatchObject({ loadShedLagMs: 1, logFormat: 'json' })
    expect(() => loadConfig({ LOAD_SHED_LAG_MS: '0' })).toThrow(/LOAD_SHED_LAG_MS must be an integer >= 1/)
    expect(() => loadConfig({ LOG_FORMAT: 'pretty' })).toThrow(/LOG_FORMAT must be auto or json/)
  })

  it('refuses nonsense instead of guessing', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError)
    expect(() => loadConfig({ TOKEN_TTL_SECONDS: '0' })).toThrow(/TOKEN_TTL_SECONDS/)
    expect(() => loadConfig({ SCRYPT_COST: '1000' })).toThrow(/power of two/)
    expect(() => loadConfig({ PUBLIC_URL: 'not a url' })).toThrow(/PUBLIC_URL/)
  })

  it('keeps PORT within 0..65535 and LOG_LEVEL to the levels pino knows, naming the value refused', () => {
    expect(loadConfig({ PORT: '65535' }).port).toBe(65_535)
    expect(loadConfig({ PORT: '0' }).port).toBe(0)
    expect(() => loadConfig({ PORT: '65536' })).toThrow(new ConfigError('PORT must be an integer from 0 to 65535, not "65536"'))
    expect(loadConfig({ LOG_LEVEL: 'silent' }).logLevel).toBe('silent')
    expect(() => loadConfig({ LOG_LEVEL: 'verbose' })).toThrow(
      new ConfigError('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "verbose"'),
    )
    expect(() => loadConfig({ SCRYPT_COST: '1000' })).toThrow(new ConfigError('SCRYPT_COST must be a power of two, not 1000'))
  })

  it('keeps PUBLIC_URL and each CORS origin within 1,024 characters, so the URLs built on them stay within the spec', () => {
    const url = (length: number) => `https://api.example.com/${'p'.repeat(length - 24)}`
    const origin = (length: number) => `https://${'a'.repeat(length - 8)}`
    expect(loadConfig({ PUBLIC_URL: url(1024) }).publicUrl).toHaveLength(1024)
    expect(() => loadConfig({ PUBLIC_URL: url(1025) })).toThrow(/PUBLIC_URL must be at most 1024 characters/)
    expect(loadConfig({ CORS_ORIGINS: origin(1024) }).corsOrigins[0]).toHaveLength(1024)
    expect(() => loadConfig({ CORS_ORIGINS: origin(1025) })).toThrow(/CORS_ORIGINS must be at most 1024 characters/)
  })

  it.each(['0x10', '1e3', '8.0', ' 8080', '+80', '-1', '9007199254740993'])('refuses %j as an integer (decimal digits only)', (raw) => {
    expect(() => loadConfig({ PORT: raw })).toThrow(/PORT must be an integer/)
    expect(() => loadConfig({ RATE_LIMIT_REQUESTS: raw })).toThrow(/RATE_LIMIT_REQUESTS must be an integer/)
  })

  it('takes a postgres: URL for PostgreSQL and refuses a malformed one instead of making it a SQLite file', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql://app@db.internal:5432/achiever' }).databaseUrl).toBe('postgresql://app@db.internal:5432/achiever')
    for (const malformed of ['postgres:/db.internal/achiever', 'postgresql:achiever', 'postgres://db.internal']) {
      expect(() => loadConfig({ DATABASE_URL: malformed }), malformed).toThrow(ConfigError)
    }
    expect(loadConfig({ DATABASE_URL: 'data/postgres.sqlite' }).databaseUrl).toBe('data/postgres.sqlite')
  })
})
