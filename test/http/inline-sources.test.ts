import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { hashSource, inlineSources } from '../../src/spec/inline-sources.js'

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`
}

describe('inlineSources', () => {
  it('hashes each inline script and style, as the browser reads them', () => {
    const page = [
      '<!doctype html><html><head>',
      '<style>body { margin: 0 }</style>',
      '<script>var a = "<script>x<\\/script>";</script>',
      '<script type="module">import("x")</script>',
      '<script src="/elsewhere.js"></script>',
      '</head><body><!-- <script>commented out</script> --></body></html>',
    ].join('\n')
    expect(inlineSources(page)).toEqual({
      scripts: [sha256('var a = "<script>x<\\/script>";'), sha256('import("x")')],
      styles: [sha256('body { margin: 0 }')],
      styleAttributes: [],
    })
  })

  it('hashes the text after the parser turns CR LF into LF', () => {
    expect(inlineSources('<script>a()\r\nb()\rc()</script>').scripts).toEqual([sha256('a()\nb()\nc()')])
  })

  it('hashes style attributes in the markup, decoded, once each, and none inside scripts', () => {
    const page =
      '<div style="display:none;height:0px">' +
      '<p data-style="not this" style="font-family:&quot;A&quot;&#x20;&#59;">' +
      '<span style="display:none;height:0px"></span>' +
      '<script>el.innerHTML = \'<b style="color:red">\'</script>'
    expect(inlineSources(page).styleAttributes).toEqual([sha256('display:none;height:0px'), sha256('font-family:"A" ;')])
  })

  it('names the source of an empty element, which CSP also checks', () => {
    expect(hashSource('')).toBe("'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='")
  })
})
