/**
 * Browser protections on every answer, whoever writes it: handlers, problems from routing
 * (404, 405), the raw answers to requests the HTTP parser rejects, the spec as served and
 * the rendered reference. The API's policy lets nothing run; the reference's lists the
 * hashes of its own inline scripts and styles (test/service/docs.browser.test.ts proves a
 * browser renders it under that policy).
 */
import { createHash } from 'node:crypto'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rawRequest } from '../support/raw.js'
import { type Problem, startTestServer, type TestServer, useTestServer } from '../support/server.js'

const server = useTestServer()

const API_POLICY = "default-src 'none';frame-ancestors 'none'"

/** What every response carries, the reference included. */
function expectNotSniffedOrFramed(headers: Headers): void {
  expect(headers.get('x-content-type-options')).toBe('nosniff')
  expect(headers.get('x-frame-options')).toBe('DENY')
  expect(headers.get('strict-transport-security'), 'HSTS is off unless configured').toBeNull()
}

function expectApiHeaders(headers: Headers): void {
  expectNotSniffedOrFramed(headers)
  expect(headers.get('content-security-policy')).toBe(API_POLICY)
}

/** `directive source source;directive …` as a map. */
function directivesOf(policy: string | null): Record<string, string[]> {
  return Object.fromEntries(
    (policy ?? '').split(';').map((directive) => {
      const [name = '', ...sources] = directive.trim().split(/\s+/)
      return [name, sources]
    }),
  )
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`
}

/** The text of each `<script>` or `<style>` element (one ends at its first closing tag), comments skipped. */
function elementTexts(html: string, element: 'script' | 'style'): string[] {
  const elements = html.matchAll(/<!--[\s\S]*?-->|<(script|style)\b[^>]*>([\s\S]*?)<\/\1>/g)
  return [...elements].filter((match) => match[1] === element).map((match) => match[2] ?? '')
}

describe('the API', () => {
  it('GET /healthz: 200 JSON, nosniff, DENY, a policy that lets nothing run', async () => {
    const res = await server.api.get('/healthz')
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ status: 'ok' })
    expectApiHeaders(res.headers)
  })

  it('GET /nope: a 404 problem, the same headers', async () => {
    const res = await server.api.get<Problem>('/nope')
    expect(res.status).toBe(404)
    expect(res.body.code).toBe('NOT_FOUND')
    expectApiHeaders(res.headers)
  })

  it('DELETE /api/v1/tasks: a 405 problem, the same headers', async () => {
    const res = await server.api.delete<Problem>('/api/v1/tasks')
    expect(res.status).toBe(405)
    expect(res.body.code).toBe('METHOD_NOT_ALLOWED')
    expectApiHeaders(res.headers)
  })

  it('HELLO THERE: the parser’s 400 problem, written to the socket before Express, the same headers', async () => {
    const res = await rawRequest(server.baseUrl, 'HELLO THERE\r\n\r\n')
    expect(res.status).toBe(400)
    expect(JSON.parse(res.text)).toMatchObject({ status: 400, code: 'BAD_REQUEST' })
    expectApiHeaders(res.headers)
  })

  it('GET /openapi.json and /openapi.yaml: the spec, the same headers', async () => {
    const json = await server.api.get<{ openapi: string }>('/openapi.json')
    expect(json.status).toBe(200)
    expect(json.body.openapi).toMatch(/^3\.1\./)
    expectApiHeaders(json.headers)

    const yaml = await server.api.get('/openapi.yaml')
    expect(yaml.status).toBe(200)
    expect(yaml.text).toMatch(/^openapi: 3\.1\./m)
    expectApiHeaders(yaml.headers)
  })
})

describe('the rendered reference', () => {
  it('GET /docs: 200 HTML under a policy of its own inline code, by hash, and nothing else', async () => {
    const res = await server.api.get('/docs', { headers: { accept: 'text/html' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expectNotSniffedOrFramed(res.headers)

    const policy = directivesOf(res.headers.get('content-security-policy'))
    const scripts = elementTexts(res.text, 'script')
    const styles = elementTexts(res.text, 'style')
    expect(scripts.length).toBeGreaterThan(0)
    // Every style="…" in the page, script text included: the policy may list fewer, never others.
    const styleAttributes = new Set([...res.text.matchAll(/\sstyle="([^"]*)"/g)].map((match) => sha256(match[1] ?? '')))
    const [unsafeHashes, ...attributeHashes] = policy['style-src-attr'] ?? []
    expect(unsafeHashes, 'hashes may allow style attributes').toBe("'unsafe-hashes'")
    for (const source of attributeHashes) expect(styleAttributes).toContain(source)
    expect(policy).toEqual({
      'default-src': ["'none'"],
      'script-src': scripts.map(sha256),
      // The empty one: styled-components' own sheet, filled through the CSSOM.
      'style-src-elem': [...styles.map(sha256), sha256('')],
      'style-src-attr': ["'unsafe-hashes'", ...attributeHashes],
      'img-src': ['data:'],
      'font-src': ['data:'],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
      'frame-ancestors': ["'none'"],
    })
  })

  it('GET /docs/ and HEAD /docs: the same policy', async () => {
    const page = await server.api.get('/docs', { headers: { accept: 'text/html' } })
    const slash = await server.api.get('/docs/', { headers: { accept: 'text/html' } })
    const head = await server.api.request('HEAD', '/docs', { headers: { accept: 'text/html' } })
    expect([slash.status, head.status]).toEqual([200, 200])
    expect(slash.headers.get('content-security-policy')).toBe(page.headers.get('content-security-policy'))
    expect(head.headers.get('content-security-policy')).toBe(page.headers.get('content-security-policy'))
  })

  it('GET /docs with If-None-Match: 304 under the page’s policy, which a browser keeps with its cached copy', async () => {
    const page = await server.api.get('/docs', { headers: { accept: 'text/html' } })
    const res = await server.api.get('/docs', {
      headers: { accept: 'text/html', 'if-none-match': page.headers.get('etag') ?? '', 'cache-control': 'max-age=0' },
    })
    expect(res.status).toBe(304)
    expect(res.headers.get('content-security-policy')).toBe(page.headers.get('content-security-policy'))
    expectNotSniffedOrFramed(res.headers)
  })
})

describe('the rendered reference, never built', () => {
  let bare: string
  let undocumented: TestServer
  beforeAll(async () => {
    bare = mkdtempSync(join(tmpdir(), 'achiever-nodocs-'))
    copyFileSync(join(import.meta.dirname, '../../openapi.yaml'), join(bare, 'openapi.yaml'))
    undocumented = await startTestServer({ rootDir: bare })
  })
  afterAll(async () => {
    await undocumented.close()
    rmSync(bare, { recursive: true, force: true })
  })

  it('GET /docs: a 500 problem under the API’s policy', async () => {
    const res = await undocumented.api.get<Problem>('/docs')
    expect(res.status).toBe(500)
    expectApiHeaders(res.headers)
  })
})

describe('HSTS_MAX_AGE_SECONDS', () => {
  let behindTls: TestServer
  beforeAll(async () => {
    behindTls = await startTestServer({ hstsMaxAgeSeconds: 31_536_000 })
  })
  afterAll(() => behindTls.close())

  it('GET /healthz: Strict-Transport-Security, once configured', async () => {
    const res = await behindTls.api.get('/healthz')
    expect(res.status).toBe(200)
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000')
  })

  it('HELLO THERE: the parser’s 400 carries it too', async () => {
    const res = await rawRequest(behindTls.baseUrl, 'HELLO THERE\r\n\r\n')
    expect(res.status).toBe(400)
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000')
  })
})
