/**
 * Redaction (src/http/redact.ts), and the logger that applies it to every line it writes
 * (src/logger.ts), whoever logged what.
 */
import { describe, expect, it } from 'vitest'
import { isSecretParameter, redactUrl, scrubSecrets } from '../../src/http/redact.js'
import { createLogger } from '../../src/logger.js'
import { captureLines } from '../support/log-lines.js'

describe('isSecretParameter', () => {
  it.each([
    'access_token',
    'ACCESS_TOKEN',
    'access-token',
    'access%5Ftoken',
    'refresh_token',
    'id_token',
    'token',
    'reset_token',
    'api_key',
    'apikey',
    'apiKey',
    'X-Api-Key',
    'key',
    'password',
    'new_password',
    'passwd',
    'pwd',
    'secret',
    'client_secret',
    'signature',
    'X-Amz-Signature',
    'sig',
    'session',
    'sessionid',
    'session_id',
    'jwt',
    'auth',
    'authorization',
  ])('%s carries a secret', (name) => {
    expect(isSecretParameter(name)).toBe(true)
  })

  it.each(['page', 'per_page', 'sort', 'q', 'done', 'cursor', 'from', 'to', 'type', 'parent_id', 'keyword', 'monkey', 'tokens_left', 'author'])(
    '%s does not',
    (name) => {
      expect(isSecretParameter(name)).toBe(false)
    },
  )
})

describe('redactUrl', () => {
  it('blanks the values of secret parameters and keeps the rest of the URL as it was', () => {
    expect(redactUrl('/api/v1/tasks?access_token=abc.DEF-123&page=2')).toBe('/api/v1/tasks?access_token=[redacted]&page=2')
    expect(redactUrl('/x?page=2&token=t0k3n&q=a%20b#frag')).toBe('/x?page=2&token=[redacted]&q=a%20b#frag')
    expect(redactUrl('/x?api_key=one&api_key=two')).toBe('/x?api_key=[redacted]&api_key=[redacted]')
    expect(redactUrl('/x?password=p%40ss;sort=title')).toBe('/x?password=[redacted];sort=title')
  })

  it('leaves a URL without secrets, or without a query, alone', () => {
    expect(redactUrl('/api/v1/tasks?page=2&per_page=20')).toBe('/api/v1/tasks?page=2&per_page=20')
    expect(redactUrl('/api/v1/tasks')).toBe('/api/v1/tasks')
    expect(redactUrl('/x?token=')).toBe('/x?token=')
  })
})

describe('scrubSecrets', () => {
  it('takes secret parameters out of anything that looks like a query or a form', () => {
    expect(scrubSecrets('{"msg":"GET /x?access_token=abc&page=2 failed"}')).toBe('{"msg":"GET /x?access_token=[redacted]&page=2 failed"}')
    expect(scrubSecrets('{"url":"https://h/cb?code=1&client_secret=s3cr3t"}')).toBe('{"url":"https://h/cb?code=1&client_secret=[redacted]"}')
    expect(scrubSecrets('body: username=ann&password=hunter2')).toBe('body: username=ann&password=[redacted]')
  })

  it('takes out the credentials after Bearer and Basic', () => {
    expect(scrubSecrets('{"authorization":"Bearer k4g5Nuo2be9b7vnbfnm4Utv4Vf3OQ343nRFCZTrdshI"}')).toBe('{"authorization":"Bearer [redacted]"}')
    expect(scrubSecrets('{"h":"Basic bWlndWVsOnB5dGhvbi1yb2Nrcw=="}')).toBe('{"h":"Basic [redacted]"}')
    expect(scrubSecrets('{"h":"bearer garbage-token-for-the-logs"}')).toBe('{"h":"bearer [redacted]"}')
  })

  it('leaves ordinary lines, and prose that names a scheme, alone', () => {
    const line = '{"level":30,"time":"2026-11-21T10:00:00.000Z","route":"/api/v1/tasks/{taskId}","status":200,"msg":"request"}'
    expect(scrubSecrets(line)).toBe(line)
    expect(scrubSecrets('{"msg":"Basic credentials are malformed"}')).toBe('{"msg":"Basic credentials are malformed"}')
  })
})

describe('the logger', () => {
  it('scrubs every line it writes, whatever was logged', () => {
    const { lines, stream } = captureLines()
    const logger = createLogger('info', { stream })
    logger.error({ url: '/api/v1/tasks?access_token=leaked-in-a-field' }, 'GET /x?api_key=leaked-in-a-message failed')
    logger.warn({ req: { headers: { authorization: 'Bearer leaked-in-a-header', cookie: 'session=leaked-in-a-cookie' } } }, 'odd request')
    logger.info({ headers: { Authorization: 'Basic bGVha2VkOmluLWEtaGVhZGVy' } }, 'upstream call')
    const written = lines.join('')
    for (const leaked of ['leaked-in-a-field', 'leaked-in-a-message', 'leaked-in-a-header', 'leaked-in-a-cookie', 'bGVha2VkOmluLWEtaGVhZGVy']) {
      expect(written).not.toContain(leaked)
    }
    expect(lines).toHaveLength(3)
  })

  it('writes an ISO time and no pid or hostname', () => {
    const { lines, stream } = captureLines()
    createLogger('info', { stream }).info('hello')
    const entry = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>
    expect(entry).toMatchObject({ level: 30, msg: 'hello' })
    expect(entry.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    expect(Object.keys(entry).sort()).toEqual(['level', 'msg', 'time'])
  })
})
