import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { type Problem, startTestServer, useTestServer } from '../support/server.js'
import { STARTS_A_SERVER } from '../support/timeouts.js'

const server = useTestServer()

describe('health', () => {
  it('GET /healthz is 200 {"status":"ok"}', async () => {
    const res = await server.api.get('/healthz')
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ status: 'ok' })
  })

  it('GET /readyz checks the database', async () => {
    const res = await server.api.get('/readyz')
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ status: 'ok', checks: { database: 'ok' } })
  })

  // Starts a server of its own: the time is the start-up's on a busy machine, not the check's.
  it('GET /readyz is 503 when the database is gone, while /healthz stays 200', STARTS_A_SERVER, async () => {
    const broken = await startTestServer()
    try {
      await broken.db.destroy()
      const ready = await broken.api.get<Problem>('/readyz')
      expect(ready.status).toBe(503)
      expect(ready.body.code).toBe('SERVICE_UNAVAILABLE')
      expect(ready.headers.get('retry-after')).toBe('5')
      expect((await broken.api.get('/healthz')).status).toBe(200)
    } finally {
      await broken.close()
    }
  })
})

describe('the spec, as served', () => {
  const file = readFileSync(join(import.meta.dirname, '../../openapi.yaml'), 'utf8')

  it('GET /openapi.yaml is the file, byte for byte', async () => {
    const res = await server.api.get('/openapi.yaml')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/yaml/)
    expect(res.text).toBe(file)
  })

  it('GET /openapi.json is the same document', async () => {
    const res = await server.api.get('/openapi.json')
    expect(res.status).toBe(200)
    expect(res.body).toEqual(parse(file))
  })

  it('needs no credentials', async () => {
    expect((await server.api.get('/openapi.json')).status).toBe(200)
  })
})

describe('the rendered reference', () => {
  it('GET /docs is one self-contained HTML page rendering every operation', async () => {
    const res = await server.api.get('/docs', { headers: { accept: 'text/html' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    // The Redoc bundle is inlined: no script is loaded from elsewhere.
    expect(res.text).not.toMatch(/<script[^>]+src=["']https?:/)
    for (const { operation } of server.api.contract.operations()) {
      expect(res.text).toContain(String(operation.summary))
    }
  })

  it('is 406 for a client that only takes JSON', async () => {
    expect((await server.api.get('/docs', { headers: { accept: 'application/json' } })).status).toBe(406)
  })
})

describe('when the rendered reference is missing', () => {
  it('GET /docs is a 500 problem, not a stack trace', STARTS_A_SERVER, async () => {
    const bare = mkdtempSync(join(tmpdir(), 'achiever-nodocs-'))
    copyFileSync(join(import.meta.dirname, '../../openapi.yaml'), join(bare, 'openapi.yaml'))
    const undocumented = await startTestServer({ rootDir: bare })
    try {
      const res = await undocumented.api.get<Problem>('/docs')
      expect(res.status).toBe(500)
      expect(res.body.code).toBe('INTERNAL_ERROR')
      expect(res.text).not.toContain(bare)
    } finally {
      await undocumented.close()
      rmSync(bare, { recursive: true, force: true })
    }
  })
})
