/**
 * Makes docs/index.html work offline. Redoc CE 3 (Redocly CLI 2 `build-docs`) draws an
 * "API docs by Redocly" badge in the sidebar from https://cdn.redoc.ly/redoc/logo-mini-full.svg
 * (logo-mini.svg when the sidebar is collapsed), and no option turns it off. This swaps
 * both for inline SVGs, and stops the build if a Redoc upgrade moves them.
 * test/service/docs.browser.test.ts checks that the page fetches nothing from anywhere
 * but the server.
 */
import { readFileSync, writeFileSync } from 'node:fs'

const file = process.argv[2] ?? 'docs/index.html'

function inlineSvg(width, text) {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="12" viewBox="0 0 ${width} 12">` +
    `<text x="0" y="10" font-family="sans-serif" font-size="11" font-weight="600" fill="#0044d4">${text}</text></svg>`
  return `data:image/svg+xml,${encodeURIComponent(svg)}`
}

const logos = new Map([
  ['https://cdn.redoc.ly/redoc/logo-mini-full.svg', inlineSvg(44, 'Redocly')],
  ['https://cdn.redoc.ly/redoc/logo-mini.svg', inlineSvg(8, 'R')],
])

let html = readFileSync(file, 'utf8')
for (const [url, inline] of logos) {
  if (!html.includes(url)) throw new Error(`${file} no longer mentions ${url}: Redoc changed, so review docs/offline.mjs`)
  html = html.replaceAll(url, inline)
}
writeFileSync(file, html)
