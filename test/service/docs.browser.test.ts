/**
 * The rendered reference in a real browser: headless Chromium (Debian's, driven by
 * playwright-core) opens `GET /docs` from a running server with every request off the
 * server's origin blocked, so the page has to work offline. Every operation's summary
 * must be reachable from the sidebar and rendered visibly in the page (the HTML as
 * served holds them only as JSON state; Redoc's scripts must render them), the page must
 * log no error, and nothing may be fetched from anywhere else, not even after Redoc's
 * timers (telemetry batches go out after a delay) have run. All of that happens under the
 * page's Content-Security-Policy (hashes of its inline code, no `'unsafe-inline'`, no
 * `'unsafe-eval'`: src/http/security-headers.ts), and every violation the page reports
 * is recorded: the only one allowed is Redoc's search probing `Function(...)`, which it
 * survives by indexing in the page (search is tried too). A screenshot is saved to
 * `test-results/docs.png`.
 *
 * Needs `/usr/bin/chromium` (`apt-get update && apt-get install -y chromium`; `CHROMIUM`
 * names another path) and `docs/index.html` (`npm run docs`). Without either it fails,
 * every test with the same one-line reason: it never skips.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { type Browser, chromium, type Locator, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../support/server.js'

const root = join(import.meta.dirname, '../..')
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
const SCREENSHOT = join(root, 'test-results', 'docs.png')
/** Long enough for any batching or polling timer in the page to have fired. */
const FAST_FORWARD_MS = 60_000

interface Opened {
  readonly server: TestServer
  readonly page: Page
  readonly served: { readonly status: number; readonly contentType: string; readonly policy: string }
}

/** A `securitypolicyviolation` event, as the page reported it. */
interface Violation {
  readonly directive: string
  /** `inline`, `eval`, or the URL that was refused. */
  readonly blocked: string
  readonly sourceFile: string
  readonly line: number
}

/** Runs in the page before any of its scripts: every violation goes to `recordViolation`. */
const VIOLATION_LISTENER = `document.addEventListener('securitypolicyviolation', (event) => window.recordViolation({
  directive: event.effectiveDirective, blocked: event.blockedURI, sourceFile: event.sourceFile, line: event.lineNumber,
}))`

/**
 * Redoc's search tries `Function(...)` to build its index in a worker; refused (no
 * `'unsafe-eval'`), it catches the error and indexes in the page.
 */
function isSearchEvalProbe(violation: Violation): boolean {
  return violation.directive === 'script-src' && violation.blocked === 'eval'
}

let server: TestServer | undefined
let browser: Browser | undefined
/** Rejected when setup failed (no Chromium, say): then every test fails with that reason. */
let opened: Promise<Opened>
const offOrigin: string[] = []
const consoleErrors: string[] = []
const pageErrors: string[] = []
const violations: Violation[] = []

/** Matches an element whose whole text is `text`. */
function exactly(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`)
}

/** Waits for exactly one element to be rendered visibly (playwright-core has no `expect`). */
async function shown(locator: Locator, what: string): Promise<void> {
  try {
    await locator.waitFor({ state: 'visible', timeout: 10_000 })
  } catch (error) {
    throw new Error(`${what} is not visible in the rendered page`, { cause: error })
  }
}

/** Whether any part of the element is inside the viewport. */
async function inViewport(page: Page, locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox()
  const viewport = page.viewportSize()
  if (!box || !viewport) return false
  return box.y < viewport.height && box.y + box.height > 0 && box.x < viewport.width && box.x + box.width > 0
}

async function open(): Promise<Opened> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: this test drives Debian's chromium and fails without it (it never skips). ` +
        'Install it with `apt-get update && apt-get install -y chromium` (CI does), or set CHROMIUM to its path.',
    )
  }
  if (!existsSync(join(root, 'docs', 'index.html'))) throw new Error('docs/index.html is missing: run `npm run docs` first')

  const running = await startTestServer()
  server = running
  const origin = new URL(running.baseUrl).origin
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
  // Reduced motion: Redoc then jumps to a clicked section instead of smooth-scrolling
  // there, so a slow machine cannot leave one click's animation running into the next.
  const context = await browser.newContext({
    viewport: { width: 1400, height: 900 },
    serviceWorkers: 'block',
    reducedMotion: 'reduce',
  })
  // Offline: anything not served by the test server is recorded and refused.
  await context.route('**/*', (route) => {
    const url = route.request().url()
    if (new URL(url).origin === origin) return route.continue()
    offOrigin.push(`${route.request().method()} ${url}`)
    return route.abort('blockedbyclient')
  })
  const page = await context.newPage()
  await page.exposeBinding('recordViolation', (_source, violation: Violation) => violations.push(violation))
  await page.addInitScript({ content: VIOLATION_LISTENER })
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${message.text()} (at ${message.location().url || 'unknown'})`)
  })
  page.on('pageerror', (error) => pageErrors.push(error.stack ?? error.message))
  // Fake timers that still flow in real time, so that the test can later run them ahead.
  await page.clock.install()

  const response = await page.goto(`${running.baseUrl}/docs`, { waitUntil: 'load' })
  if (!response) throw new Error('GET /docs gave no response')
  const headers = response.headers()
  const served = { status: response.status(), contentType: headers['content-type'] ?? '', policy: headers['content-security-policy'] ?? '' }
  await page.locator('.menu-content').waitFor({ state: 'visible', timeout: 10_000 })
  return { server: running, page, served }
}

beforeAll(async () => {
  opened = open()
  await opened.catch(() => undefined)
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('GET /docs in headless Chromium, offline', () => {
  it('is served as an HTML page', async () => {
    const { served } = await opened
    expect(served.status).toBe(200)
    expect(served.contentType).toMatch(/^text\/html\b/)
  })

  it('is served under a Content-Security-Policy that allows its own inline scripts by hash, and no eval', async () => {
    const { served } = await opened
    expect(served.policy).toMatch(/(^|;)\s*script-src 'sha256-/)
    expect(served.policy).not.toMatch(/'unsafe-inline'|'unsafe-eval'|'strict-dynamic'|\*/)
  })

  it('renders every operation summary in the spec, reached through the sidebar', async () => {
    const { server, page } = await opened
    const contract = server.api.contract
    const info = contract.document.info as { title: string }
    await expect.poll(() => page.locator('h1').first().innerText()).toContain(info.title)

    const operations = contract.operations()
    const byTag = new Map<string, Array<{ operationId: string; summary: string }>>()
    for (const { operationId, operation } of operations) {
      const tag = (operation.tags as string[] | undefined)?.[0]
      const summary = operation.summary
      if (typeof tag !== 'string' || typeof summary !== 'string') throw new Error(`${operationId} needs a tag and a summary`)
      byTag.set(tag, [...(byTag.get(tag) ?? []), { operationId, summary }])
    }
    const summaries = [...byTag.values()].flat().map((op) => op.summary)
    expect(new Set(summaries).size, 'operation summaries are unique (the sidebar and headings tell them apart)').toBe(summaries.length)

    const menu = page.locator('.menu-content')
    const rendered: string[] = []
    for (const [tag, tagged] of byTag) {
      // Groups start collapsed, and operations are rendered as they are reached: so this
      // is also proof that Redoc's scripts run.
      await menu
        .locator('.menu-item-type-group > a')
        .filter({ hasText: exactly(tag) })
        .click()
      for (const { operationId, summary } of tagged) {
        const entry = menu.locator('.menu-item-type-operation').getByText(summary, { exact: true })
        await shown(entry, `the sidebar entry of ${operationId} ("${summary}")`)
        await entry.click()
        const heading = page.locator('h2').filter({ hasText: exactly(summary) })
        await shown(heading, `the heading of ${operationId} ("${summary}"), once its sidebar entry is clicked`)
        // Redoc scrolls once the section has rendered, which takes longer on a busy machine.
        await expect.poll(() => inViewport(page, heading), { message: `the heading of ${operationId} is scrolled into view`, timeout: 5_000 }).toBe(true)
        rendered.push(operationId)
      }
    }
    expect(rendered.sort()).toEqual(operations.map((op) => op.operationId).sort())
  }, 120_000)

  it('saves a screenshot to test-results/docs.png', async () => {
    const { page } = await opened
    mkdirSync(dirname(SCREENSHOT), { recursive: true })
    await page.locator('.menu-item-type-default > a').first().click()
    await page.screenshot({ path: SCREENSHOT })
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000)
  })

  it('finds an operation through its search box', async () => {
    const { server, page } = await opened
    const summary = server.api.contract.operations().find((op) => op.operationId === 'checkLiveness')?.operation.summary
    if (typeof summary !== 'string') throw new Error('checkLiveness needs a summary')
    await page.locator('[data-testid="search-trigger"]').click()
    const dialog = page.locator('[data-testid="search-dialog"]')
    await dialog.locator('input').fill(summary)
    await shown(dialog.getByText(summary, { exact: true }), `the search result "${summary}"`)
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 })
  })

  it('requests nothing off the server, not even once its timers have run', async () => {
    const { page } = await opened
    // The collapsed sidebar draws its own (smaller) badge: render that one too.
    await page.getByRole('button', { name: 'Hide sidebar' }).click()
    await page.getByRole('button', { name: 'Show sidebar' }).waitFor({ state: 'visible', timeout: 10_000 })
    await page.clock.runFor(FAST_FORWARD_MS)
    // Let whatever those timers started reach the network layer.
    await page.waitForTimeout(300)
    expect(offOrigin, 'requests made off the server’s origin (the page would break or leak offline)').toEqual([])
  })

  it('logs no console error and throws no page error', async () => {
    await opened
    expect(pageErrors).toEqual([])
    expect(consoleErrors).toEqual([])
  })

  it('breaks no rule of its Content-Security-Policy but the search index probing for eval', async () => {
    await opened
    expect(violations.filter((violation) => !isSearchEvalProbe(violation))).toEqual([])
  })

  // Last: the refusal is logged as a console error.
  it('refuses, and reports, a script injected into the page', async () => {
    const { page } = await opened
    const before = violations.length
    const ran = await page.evaluate(`(() => {
      const script = document.createElement('script')
      script.textContent = 'window.injected = true'
      document.head.append(script)
      return window.injected === true
    })()`)
    expect(ran).toBe(false)
    await expect.poll(() => violations.slice(before)).toEqual([expect.objectContaining({ directive: 'script-src-elem', blocked: 'inline' })])
  })
})
